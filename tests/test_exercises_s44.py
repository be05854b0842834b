"""What a tester found doing the exercises as a student in the environment `make demo` builds (session 44): the
portable-code checkers passed NumPy-only answers when array-api-strict was missing; hints named the wrong mistake;
hints handed over the solution's line; a few wrong kernel gradients got no hint, and a gradient "by hand" computed
with backward() passed. Each wrong answer below is checked for the new message's key words and for the absence of
the solution's line; each right answer still passes. The expected values come from the cases the checkers print
(worked by hand in the comments) or from a loop from the formula."""
import re
import sys
from pathlib import Path

import numpy as np
import pytest
from test_exercises import solution

import tinygradconv as tg
from tinygradconv import backend as backend_module
from tinygradconv.exercises import (
    check_adam_step,
    check_conv1d,
    check_conv1d_kernel_gradient,
    check_conv1d_transpose,
    check_custom_op,
    check_logsumexp,
    check_manual_gradient,
    check_overlap_counts,
    check_portable_relu,
)

ROOT = Path(__file__).resolve().parent.parent


def report_of(checker, answer):
    with pytest.raises(AssertionError) as info:
        checker(answer)
    return str(info.value)


# ------------------------------------------------------------------------------------------------ answers
def mask_relu(x):                     # the answer the exercise text names as wrong: booleans in arithmetic
    return x * (x > 0)


def numpy_logsumexp(x):               # right values, NumPy's functions only
    m = np.max(x, axis=-1, keepdims=True)
    return np.log(np.sum(np.exp(x - m), axis=-1)) + m[..., 0]


class NumpySiLU(tg.Function):         # right values, np.exp where ctx.xp.exp is asked
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


class PortableSiLU(tg.Function):
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + ctx.xp.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


def transpose_into(length):
    """A transposed convolution by hand into an output of ``length(x, w, strides)`` zeros."""
    def fn(x, w, strides):
        y = np.zeros(length(x, w, strides))
        for j, value in enumerate(x):
            y[j * strides: j * strides + len(w)] += value * w
        return y
    return fn


def kernel_gradient(x, g, kernel_size, strides, steps=None):
    """dL/dw = sum_n g[n] x[n * strides + t], a loop from the formula, over ``steps`` output steps."""
    steps = len(g) if steps is None else steps
    return np.array([sum(g[n] * x[n * strides + t] for n in range(steps)) for t in range(kernel_size)])


# ------------------------------------------------------------------------------------------------ 1. array-api-strict
@pytest.fixture
def without_array_api_strict(monkeypatch):
    """The environment `make demo` built before: array-api-strict cannot be imported (None in sys.modules makes
    `import array_api_strict` raise ImportError), and no backend loaded from it is cached."""
    monkeypatch.setitem(sys.modules, "array_api_strict", None)
    monkeypatch.delitem(backend_module._cache, "array_api_strict", raising=False)


@pytest.mark.parametrize("checker, answer", [
    (check_portable_relu, mask_relu),
    (check_portable_relu, lambda x: x.__array_namespace__().where(x > 0, x, x.__array_namespace__().zeros_like(x))),
    (check_logsumexp, numpy_logsumexp),
    (check_custom_op, NumpySiLU),
    (check_custom_op, PortableSiLU),
])
def test_without_array_api_strict_no_portable_answer_passes(without_array_api_strict, checker, answer):
    with pytest.raises(ModuleNotFoundError) as info:
        checker(answer)
    message = str(info.value)
    assert info.value.name == "array_api_strict"
    assert message.startswith(f"{checker.__name__}: the portability part of this exercise could not be checked")
    assert "your answer is not passed" in message and "pip install array-api-strict" in message
    assert '.[exercises]' in message and "NumPy arrays accept np.exp" in message


def test_without_array_api_strict_wrong_values_are_still_reported(without_array_api_strict):
    """The values are checked on NumPy arrays first: a wrong answer gets its report, not the install message."""
    report = report_of(check_portable_relu, lambda x: x.__array_namespace__().abs(x))
    assert "backend='numpy'" in report and "disagrees with the framework" in report


def test_with_array_api_strict_the_numpy_only_answers_fail_and_the_portable_ones_pass():
    pytest.importorskip("array_api_strict", reason="the strict arrays are what tell these answers apart")
    assert "backend='array_api_strict'" in report_of(check_portable_relu, mask_relu)
    assert "backend='array_api_strict'" in report_of(check_logsumexp, numpy_logsumexp)
    assert "on array-api-strict arrays" in report_of(check_custom_op, NumpySiLU)
    assert check_portable_relu(solution("relu")) and check_logsumexp(solution("logsumexp"))
    assert check_custom_op(PortableSiLU)


def test_the_tutorials_environment_installs_array_api_strict_and_the_core_does_not():
    tomllib = pytest.importorskip("tomllib", reason="Python 3.11+ reads pyproject.toml with tomllib")
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    assert not any("array-api-strict" in d for d in project["dependencies"])     # core: NumPy and friends only
    extras = project["optional-dependencies"]
    assert any(d.startswith("array-api-strict") for d in extras["exercises"])
    assert any(d.startswith("array-api-strict") for d in extras["notebooks"])
    makefile = (ROOT / "Makefile").read_text(encoding="utf-8")
    demo_rule = makefile.split("$(DEMO_STAMP): pyproject.toml", 1)[1].split("\n\n", 1)[0]
    assert re.search(r'pip install --quiet -e "\.\[[^"]*\bexercises\b[^"]*\]"', demo_rule), demo_rule


# ------------------------------------------------------------------------------------------------ 2. the right mistake
def test_a_kernel_gradient_loop_one_short_is_told_its_range_not_its_dtype():
    def one_short(x, g, kernel_size, strides):
        return np.array([sum(g[n] * x[n * strides + t] for n in range(len(g) - 1)) for t in range(kernel_size)])

    report = report_of(check_conv1d_kernel_gradient, one_short)
    # the first case: g of 1 value, so sum([]) is the int 0: an int64 array of zeros
    assert "g=[-0.53567] (shape (1,))" in report and "received: [0] (shape (1,))" in report
    assert "your dL/dw leaves out the last output step" in report and "check the range of your loop over n" in report
    assert "Python's sum of nothing is the int 0" in report
    assert "Make it a float array" not in report and "int64 (integers)" not in report


def test_a_kernel_gradient_in_an_integer_array_is_still_told_to_make_it_float():
    def truncated(x, g, kernel_size, strides):
        dw = np.zeros(kernel_size, dtype=int)
        for t in range(kernel_size):
            for n in range(len(g)):
                dw[t] += int(g[n] * x[n * strides + t])
        return dw

    report = report_of(check_conv1d_kernel_gradient, truncated)
    assert "Make it a float array" in report and "leaves out the last output step" not in report


def test_a_transposed_convolution_into_len_x_times_strides_is_told_that_length():
    report = report_of(check_conv1d_transpose, transpose_into(lambda x, w, s: len(x) * s))
    # L = 2, k = 1, s = 2: len(x) * strides = 4, the full length (2 - 1) * 2 + 1 = 3
    assert "expected (3,), received (4,)" in report
    assert "your result has len(x) * strides = 2 * 2 = 4 values" in report
    assert "starts at (L - 1) * strides = 2 and takes k = 1 step, so the full result has 2 + 1 = 3, not 4" in report
    assert "max(k, strides)" not in report and "Keras" not in report


def test_a_transposed_convolution_of_keras_valid_length_is_still_told_keras_length():
    report = report_of(check_conv1d_transpose, transpose_into(lambda x, w, s: (len(x) - 1) * s + max(len(w), s)))
    assert "(L - 1) * strides + max(k, strides) = 4, is Keras' padding=\"valid\" output" in report
    assert "len(x) * strides" not in report


def test_an_array_returned_in_a_one_item_tuple_is_told_so():
    full = transpose_into(lambda x, w, s: (len(x) - 1) * s + len(w))
    report = report_of(check_conv1d_transpose, lambda x, w, strides: (full(x, w, strides),))
    assert "expected (3,), received (1, 3)" in report
    assert "your function returned a tuple of one item" in report and "`return y,`" in report
    assert "the full transposed convolution has" not in report          # the unrelated length note


@pytest.mark.parametrize("checker, answer", [(check_logsumexp, numpy_logsumexp), (check_custom_op, NumpySiLU)])
def test_numpy_functions_get_a_hint_about_the_exercise_at_hand(checker, answer):
    pytest.importorskip("array_api_strict", reason="these answers fail on array-api-strict arrays only")
    report = report_of(checker, answer)
    assert "not np.exp" in report
    assert "where(" not in report and "zeros_like" not in report and "x * (x > 0)" not in report


# ------------------------------------------------------------------------------------------------ 3. no solution line
def test_a_naive_logsumexp_is_told_the_idea_not_the_answer():
    def naive(x):
        xp = x.__array_namespace__()
        return xp.log(xp.sum(xp.exp(x), axis=-1))

    with np.errstate(over="ignore", divide="ignore"):
        report = report_of(check_logsumexp, naive)
    assert "exp overflowed" in report and "shifting every value by the same constant c" in report
    assert "m[..., 0]" not in report and "keepdims=True" not in report and "xp.max(x, axis=-1" not in report


@pytest.mark.parametrize("answer, words", [
    (lambda x: (x + abs(x)) / 2, "choose between x's own values and zeros of x's dtype"),    # int64 -> float64
    (lambda x: x > 0, "The mask says where to keep x"),                                        # the mask itself
])
def test_relu_dtype_hints_do_not_give_the_where_line(answer, words):
    report = report_of(check_portable_relu, answer)
    assert "the dtype changed" in report and words in report
    assert "xp.where(x > 0, x, xp.zeros_like(x))" not in report


def test_overlap_counts_written_with_equals_are_told_without_the_counting_line():
    def marked(input_length, kernel_size, strides):
        counts = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=int)
        for j in range(input_length):
            counts[j * strides: j * strides + kernel_size] = 1
        return counts

    report = report_of(check_overlap_counts, marked)
    assert "expected: [1, 2, 1]" in report and "(+=, not =)" in report
    assert "counts[j * strides: j * strides + kernel_size] += 1" not in report


def test_a_transposed_convolution_written_with_equals_is_told_without_the_scatter_line():
    def overwritten(x, w, strides):
        y = np.zeros((len(x) - 1) * strides + len(w))
        for j, value in enumerate(x):
            y[j * strides: j * strides + len(w)] = value * w
        return y

    report = report_of(check_conv1d_transpose, overwritten)
    assert "written with `=`" in report and "(+=, not =)" in report
    assert "+= value * w" not in report and "+= x[j] * w" not in report


def test_a_conv1d_over_every_start_is_told_the_count_not_the_range():
    def every_start(x, w, strides):
        return np.array([x[i * strides: i * strides + len(w)] @ w for i in range(len(x))])

    report = report_of(check_conv1d, every_start)
    # L = 2, k = 1, s = 2: (2 - 1) // 2 + 1 = 1 window
    assert "(2 - 1) // 2 + 1 = 1 window" in report and "count exactly the windows that fit" in report
    assert "range((len(x) - len(w)) // strides + 1)" not in report


def test_db_as_a_mean_is_told_to_add_without_dz_sum():
    def mean_db(x, w, b):
        y = np.tanh(x * w + b)
        dz = 2 * y * (1 - y ** 2)
        return dz * w, dz * x, dz.mean()

    report = report_of(check_manual_gradient, mean_db)
    assert "your dL/db is the mean of the dL/dz_i" in report and "a sum, not a mean" in report
    assert "dz.sum()" not in report


def test_adam_without_bias_correction_is_told_the_idea_not_the_step_size():
    def uncorrected(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        m = beta_1 * m + (1 - beta_1) * grad
        v = beta_2 * v + (1 - beta_2) * grad ** 2
        return param - learning_rate * m / (np.sqrt(v) + epsilon), m, v

    report = report_of(check_adam_step, uncorrected)
    assert "no bias correction" in report and "1 - beta_1 ** iteration and 1 - beta_2 ** iteration" in report
    assert "sqrt(1 - beta_2 ** iteration) / (1 - beta_1 ** iteration)" not in report and "alpha =" not in report


# ------------------------------------------------------------------------------------------------ 4. kernel gradient
def test_a_kernel_gradient_not_summed_over_the_output_steps_is_told_so():
    def not_summed(x, g, kernel_size, strides):
        return np.array([[g[n] * x[n * strides + t] for n in range(len(g))] for t in range(kernel_size)])

    report = report_of(check_conv1d_kernel_gradient, not_summed)
    assert "the shapes differ: expected (1,), received (1, 1)" in report
    assert "one term per tap and per output step, shape (1, 1)" in report and "adds up their terms" in report


def test_a_kernel_gradient_divided_by_len_g_is_told_so():
    def mean(x, g, kernel_size, strides):
        return kernel_gradient(x, g, kernel_size, strides) / len(g)

    report = report_of(check_conv1d_kernel_gradient, mean)
    # x = [0.04133, -2.32503], g = [-1.24591, -0.73227], k = 1, s = 1: (g0 x0 + g1 x1) = 1.65106, halved 0.82553
    assert "expected: [1.65106]" in report and "received: [0.82553]" in report
    assert "your dL/dw is divided by len(g) = 2" in report and "nothing dividing them" in report


def test_the_kernel_gradient_from_the_formula_passes():
    assert check_conv1d_kernel_gradient(kernel_gradient)
    assert check_conv1d_kernel_gradient(solution("conv1d_kernel_gradient"))


def test_a_manual_gradient_computed_with_backward_is_refused():
    def with_backward(x, w, b):
        X, W, B = (tg.tensor(v, dtype="float64", requires_grad=True) for v in (x, w, b))
        ((X * W + B).tanh() ** 2).sum().backward()
        return X.grad.numpy(), W.grad.numpy(), B.grad.numpy()

    report = report_of(check_manual_gradient, with_backward)
    assert report.startswith("check_manual_gradient: your function calls tinygradconv's backward()")
    assert "by hand" in report
    assert check_manual_gradient(solution("gradients"))
    # backward() is put back after the checker: the framework still back-propagates
    t = tg.tensor([2.0], dtype="float64", requires_grad=True)
    (t * t).sum().backward()
    assert t.grad.numpy().tolist() == [4.0]


# ------------------------------------------------------------------------------------------------ 5. figures folder
def test_a_figures_folder_without_its_parent_says_how_to_make_it(monkeypatch, tmp_path):
    from tinygradconv.scripts import figures_folder

    monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "missing" / "x"))
    with pytest.raises(ValueError, match=r"does not exist; create it first \(mkdir -p '.*missing'\)"):
        figures_folder()
    assert not (tmp_path / "missing").exists()                  # a mistyped path is refused, not made
    text = (ROOT / "docs" / "tutorials.md").read_text(encoding="utf-8")
    assert "`DIR` is created if its parent folder exists" in text and "mkdir -p" in text
