"""Hints a student tester found missing (session 47, f8): each wrong answer below is a plain NumPy function written
as the tester wrote it; every one already failed, and the report must now name its slip in words (without the
answer). The right answers (the docs' solutions) pass, and an answer that only looks like a slip on one case gets
none of these hints: each is confirmed on larger cases."""
import re
from pathlib import Path

import numpy as np
import pytest
from test_exercise_hints import report_of
from test_exercises import solution

import tinygradconv as tg
from tinygradconv.exercises import (
    check_adam_step,
    check_conv1d,
    check_conv1d_input_gradient,
    check_conv1d_transpose,
    check_conv_output_length,
    check_logsumexp,
)

DOCS = Path(__file__).resolve().parents[1] / "docs" / "exercises.md"


# ------------------------------------------------------------------------------ 1. a loop over the taps one short
def conv1d_short(x, w, s):
    n = (len(x) - len(w)) // s + 1
    return np.array([sum(x[i * s + t] * w[t] for t in range(len(w) - 1)) for i in range(n)])


def transpose_short(x, w, s):
    y = np.zeros((len(x) - 1) * s + len(w))
    for j in range(len(x)):
        for t in range(len(w) - 1):
            y[j * s + t] += x[j] * w[t]
    return y


def input_gradient_short(g, w, s, input_length):
    dx = np.zeros(input_length)
    for n in range(len(g)):
        for t in range(len(w) - 1):
            dx[n * s + t] += g[n] * w[t]
    return dx


MISSING_TAP = "your answer leaves out the last tap of the kernel"


@pytest.mark.parametrize("checker, answer, right", [(check_conv1d, conv1d_short, "conv1d"),
                                                    (check_conv1d_transpose, transpose_short, "conv1d_transpose"),
                                                    (check_conv1d_input_gradient, input_gradient_short,
                                                     "conv1d_input_gradient")])
def test_a_loop_over_the_taps_one_short_is_named_before_the_integer_note(checker, answer, right):
    assert checker(solution(right))
    report = report_of(checker, answer)
    assert MISSING_TAP in report and "check the range of your loop over t" in report, report
    assert "Make it a float array" not in report, report
    # the first case has one tap (by the checkers' seed 0): the result is zeros, int 0 in conv1d's case
    assert re.search(r"w=\[-?[\d.]+\] \(shape \(1,\)\)", report), report


def test_zeros_are_not_called_a_missing_tap():
    """With one tap the slip gives zeros, as an answer of zeros does: the larger cases tell them apart."""
    report = report_of(check_conv1d, lambda x, w, s: np.zeros((len(x) - len(w)) // s + 1))
    assert MISSING_TAP not in report, report


# --------------------------------------------------------------------- 2. a Conv1D length off by one, in words
def conv_length(valid=None, shift=0):
    def fn(input_length, kernel_size, strides, padding, dilation_rate):
        span = (kernel_size - 1) * dilation_rate + 1
        if padding == "valid":
            length = (valid or (lambda L, k_eff, s: max(0, (L - k_eff) // s + 1)))(input_length, span, strides)
        else:
            length = -(-input_length // strides)
        return length + shift
    return fn


def test_conv_length_off_by_one_is_named():
    assert check_conv_output_length(conv_length())
    report = report_of(check_conv_output_length, conv_length(valid=lambda L, k_eff, s: max(0, (L - k_eff) // s)))
    assert 'the + 1 is missing from your "valid" length' in report, report
    report = report_of(check_conv_output_length, conv_length(valid=lambda L, k_eff, s: (L - k_eff + 1) // s))
    assert 'the + 1 of your "valid" length is inside the division' in report, report
    assert "the + 1 is missing" not in report, report
    for shift, word in ((1, "more"), (-1, "fewer")):
        report = report_of(check_conv_output_length, conv_length(shift=shift))
        # 9 lengths x 4 kernels x 3 paddings x (3 strides undilated + 1 dilated): 432 cases, counted by hand
        assert f"your length is 1 step {word} than the framework's on every one of the 432 cases" in report, report
    # off by one in the "valid" branch only: not "every branch"
    report = report_of(check_conv_output_length, conv_length(valid=lambda L, k_eff, s: max(0, (L - k_eff) // s + 2)))
    assert "on every one of" not in report, report


# ------------------------------------------------------------------ 3. a gather with the output's right length
def transpose_gather(x, w, s):
    n = (len(x) - 1) * s + len(w)
    y = np.zeros(n)
    for i in range(n):
        for t in range(len(w)):
            if i * s + t < len(x):
                y[i] += x[i * s + t] * w[t]
    return y


def input_gradient_gather(g, w, s, input_length):
    dx = np.zeros(input_length)
    for j in range(input_length):
        for t in range(len(w)):
            if j * s + t < len(g):
                dx[j] += g[j * s + t] * w[t]
    return dx


@pytest.mark.parametrize("checker, answer, words", [
    (check_conv1d_transpose, transpose_gather, "the transposed convolution goes the other way, it scatters"),
    (check_conv1d_input_gradient, input_gradient_gather, "dL/dx goes the other way, it scatters"),
])
def test_a_gather_of_the_right_length_is_told_it_gathers(checker, answer, words):
    report = report_of(checker, answer)
    assert "the shapes differ" not in report, report           # the length is right: the values differ
    assert words in report and "is a gather" in report, report


# ------------------------------------------------------------- 4. a gather that forgets to reverse the kernel
def transpose_correlate(x, w, s):
    u = np.zeros((len(x) - 1) * s + 1)
    u[::s] = x
    return np.correlate(np.pad(u, (len(w) - 1,) * 2), w, "valid")


def test_a_gather_without_the_reversal_is_told_to_add_one():
    right = solution("conv1d_transpose")
    assert check_conv1d_transpose(lambda x, w, s: transpose_correlate(x, w[::-1], s))     # np.convolve's way
    assert np.allclose(transpose_correlate(np.array([1.0, 2.0]), np.array([1.0, 10.0]), 2),
                       [10.0, 1.0, 20.0, 2.0])                 # by hand: each x[j] * w reversed
    assert not np.allclose(right(np.array([1.0, 2.0]), np.array([1.0, 10.0]), 2), [10.0, 1.0, 20.0, 2.0])
    report = report_of(check_conv1d_transpose, transpose_correlate)
    assert "your values are those of the kernel reversed" in report, report
    assert "add one to a gather" in report and "remove the reversal from a scatter" in report, report
    assert "did you flip" not in report, report


# ----------------------------------------------------------------------------------- 5. an extra axis of length 1
def conv1d_right(x, w, s):
    return np.array([x[i * s: i * s + len(w)] @ w for i in range((len(x) - len(w)) // s + 1)])


def scatter(values, w, s, length):
    y = np.zeros(length)
    for j, value in enumerate(values):
        y[j * s: j * s + len(w)] += value * w
    return y


def logsumexp_keepdims(x):
    xp = x.__array_namespace__()
    m = xp.max(x, axis=-1, keepdims=True)
    return xp.log(xp.sum(xp.exp(x - m), axis=-1, keepdims=True)) + m


EXTRA_AXIS = "with an extra axis of length 1"


@pytest.mark.parametrize("checker, answer, shapes", [
    (check_conv1d, lambda x, w, s: conv1d_right(x, w, s)[:, None], "expected (1,), received (1, 1)"),
    (check_conv1d, lambda x, w, s: conv1d_right(x, w, s)[None, :], "expected (1,), received (1, 1)"),
    (check_conv1d_transpose, lambda x, w, s: scatter(x, w, s, (len(x) - 1) * s + len(w))[:, None],
     "expected (3,), received (3, 1)"),
    (check_conv1d_input_gradient, lambda g, w, s, n: scatter(g, w, s, n)[None, :], "expected (2,), received (1, 2)"),
    (check_logsumexp, logsumexp_keepdims, "expected (3,), received (3, 1)"),
])
def test_an_extra_axis_is_named(checker, answer, shapes):
    pytest.importorskip("array_api_strict")
    report = report_of(checker, answer)
    assert f"the shapes differ: {shapes}" in report and EXTRA_AXIS in report, report


def test_terms_not_added_up_are_no_extra_axis():
    """With one tap the products x[window] * w, not summed, have shape (n, 1) and the right values: the larger cases
    (three taps) show the terms, so the extra axis is not named."""
    report = report_of(check_conv1d, lambda x, w, s: np.array([x[i * s: i * s + len(w)] * w
                                                               for i in range((len(x) - len(w)) // s + 1)]))
    assert "the shapes differ" in report and EXTRA_AXIS not in report, report


# ------------------------------------------------------------------- 6. the refusal names functions that exist
def test_the_logsumexp_refusal_names_only_what_exists():
    def through_the_op(x):
        return x.__array_namespace__().asarray(tg.ops.logsumexp(tg.tensor(np.asarray(x), dtype="float64"),
                                                                axis=-1).numpy())
    with pytest.raises(AssertionError) as info:
        check_logsumexp(through_the_op)
    report = str(info.value)
    assert "your function calls tinygradconv's logsumexp" in report, report
    for dotted in re.findall(r"\b(?:tinygradconv|Tensor)\.[\w.]+\w", report):
        root, *names = dotted.split(".")
        obj = tg if root == "tinygradconv" else tg.Tensor
        for name in names:
            assert hasattr(obj, name), f"{dotted} is named in the refusal and does not exist"
            obj = getattr(obj, name)


# ----------------------------------------------------------------------------- 7. the tolerances the docs state
def adam(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
    m = beta_1 * m + (1 - beta_1) * grad                          # Keras' rule (its Adam docs), by hand
    v = beta_2 * v + (1 - beta_2) * grad * grad
    alpha = learning_rate * np.sqrt(1 - beta_2 ** iteration) / (1 - beta_1 ** iteration)
    return param - alpha * m / (np.sqrt(v) + epsilon), m, v


def adam_epsilon_on_v_hat(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
    """The paper's form, epsilon added to sqrt(v_hat): about epsilon off, values that print alike."""
    m = beta_1 * m + (1 - beta_1) * grad
    v = beta_2 * v + (1 - beta_2) * grad * grad
    m_hat, v_hat = m / (1 - beta_1 ** iteration), v / (1 - beta_2 ** iteration)
    return param - learning_rate * m_hat / (np.sqrt(v_hat) + epsilon), m, v


def test_the_docs_state_each_checkers_tolerance():
    text = " ".join(DOCS.read_text().split())
    assert "relative tolerance of 1e-7" in text and "`check_adam_step` compares to 1e-6" in text
    assert "`check_logsumexp` compares to 1e-10" in text
    # and the checkers use them: a near miss that prints alike is reported with the tolerance it missed
    assert check_adam_step(adam)
    assert "not to the tolerance (relative 1e-06)" in report_of(check_adam_step, adam_epsilon_on_v_hat)
    assert "not to the tolerance (relative 1e-07)" in report_of(check_conv1d, lambda x, w, s: conv1d_right(x, w, s)
                                                                 * (1 + 5e-7))
    pytest.importorskip("array_api_strict")
    right = solution("logsumexp")
    assert check_logsumexp(right)
    report = report_of(check_logsumexp, lambda x: right(x) * (1 + 1e-9))
    assert "not to the tolerance (relative 1e-10)" in report
    # the first case's largest value is 652 (below exp's overflow at about 709): no overflow to tell of
    assert "exp overflowed" not in report, report


# ------------------------------------------------------------------------ 8. more slips, each named in words
def test_more_conv_length_slips_are_named():
    def span_k_times_d(input_length, kernel_size, strides, padding, dilation_rate):
        if padding == "valid":
            return max(0, (input_length - kernel_size * dilation_rate) // strides + 1)
        return -(-input_length // strides)

    report = report_of(check_conv_output_length, span_k_times_d)
    assert "not k * d = 2" in report, report          # the first case that differs: k = 1, d = 2 (k_eff = 1)

    def causal_as_length(input_length, kernel_size, strides, padding, dilation_rate):
        if padding == "causal":
            return input_length
        return conv_length()(input_length, kernel_size, strides, padding, dilation_rate)

    report = report_of(check_conv_output_length, causal_as_length)
    assert 'the stride is missing from your padded length: padding="causal"' in report, report


def transpose_gather_without_multiple(x, w, s):
    n = (len(x) - 1) * s + len(w)
    y = np.zeros(n)
    for i in range(n):
        for t in range(len(w)):
            j = (i - t) // s
            if 0 <= j < len(x):
                y[i] += x[j] * w[t]
    return y


@pytest.mark.parametrize("checker, answer, words", [
    (check_conv1d_transpose, transpose_gather_without_multiple, "keep a pair only when (step - t) % strides == 0"),
    (check_conv1d_input_gradient, lambda g, w, s, n: scatter(g[:-1], w, s, n),
     "your result leaves out the last value of g: your loop over n stops at len(g) - 2"),
    (check_conv1d_transpose, lambda x, w, s: scatter(x[:-1], w, s, (len(x) - 1) * s + len(w)),
     "your result leaves out the last value of x: your loop over j stops at len(x) - 2"),
])
def test_gather_and_scatter_loop_slips_are_named(checker, answer, words):
    report = report_of(checker, answer)
    assert words in report, report


def test_overlap_counts_without_the_last_input_are_named():
    from tinygradconv.exercises import check_overlap_counts

    def counts(input_length, kernel_size, strides):
        c = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=int)
        for j in range(input_length - 1):
            c[j * strides: j * strides + kernel_size] += 1
        return c

    report = report_of(check_overlap_counts, counts)
    assert "your counts leave out the last input's copy of the kernel" in report, report


def test_logsumexp_over_the_first_axis_and_a_float32_tensor_are_named():
    pytest.importorskip("array_api_strict")

    def over_rows(x):
        xp = x.__array_namespace__()
        m = xp.max(x, axis=0, keepdims=True)
        return xp.log(xp.sum(xp.exp(x - m), axis=0)) + m[0]

    report = report_of(check_logsumexp, over_rows)
    assert "your result is logsumexp over the first axis (axis=0, shape (4,))" in report, report
    report = report_of(check_conv1d, lambda x, w, s: tg.tensor([float(v) for v in conv1d_right(x, w, s)]))
    assert 'a tg.tensor made from a list or from Python numbers is float32: give it dtype="float64"' in report
    assert tg.tensor([1.0]).dtype == "float32"         # the tip's claim, from the framework itself


def test_a_transposed_length_without_dilation_in_one_branch_is_named():
    from tinygradconv.exercises import check_output_length

    right = solution("transpose_output_length")

    def one_branch(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        if padding == "valid" and output_padding is None:
            return (input_length - 1) * strides + max(kernel_size, strides)
        return right(input_length, kernel_size, strides, padding, output_padding, dilation_rate)

    assert check_output_length(right)
    report = report_of(check_output_length, one_branch)
    assert 'the dilation is missing from your padding="valid", output_padding=None length, and only there' in report
