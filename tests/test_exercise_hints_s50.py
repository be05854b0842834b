"""Hints for the slips a student tester made in session 50 (tutorials 02, 03, 07 and 08): each wrong answer is
written as the tester wrote it, and its report must name its slip; the right answers (the docs' solutions) pass,
and a different wrong answer does not get the hint."""
import math

import numpy as np
import pytest
from helpers import keras_on_torch
from test_exercise_hints import report_of
from test_exercises import solution

from tinygradconv.exercises import (
    check_conv1d,
    check_conv1d_input_gradient,
    check_conv1d_transpose,
    check_conv_output_length,
    check_output_length,
    check_resize_overlap,
)


# ------------------------------------------------------------------------- 1. "causal" taken as "valid" (Conv1D)
def conv_length_causal_as_valid(clamped=True):
    def fn(input_length, kernel_size, strides, padding, dilation_rate):
        span = (kernel_size - 1) * dilation_rate + 1
        if padding == "same":
            return -(-input_length // strides)
        windows = (input_length - span) // strides + 1          # "causal" handled as "valid"
        return max(windows, 0) if clamped else windows
    return fn


CAUSAL = 'is the "valid" one: the windows of k_eff = '


@pytest.mark.parametrize("clamped", [True, False])
def test_causal_taken_as_valid_is_told_causal_keeps_same_s_length(clamped):
    report = report_of(check_conv_output_length, conv_length_causal_as_valid(clamped))
    assert "input_length=1, kernel_size=2, strides=1, padding='causal', dilation_rate=1" in report
    assert "expected: 1\n  received: 0" in report
    assert CAUSAL in report and 'your padding="causal" length, 0 here' in report, report
    # by hand: one zero before the single input step, one window of 2 taps: length 1 = ceil(1 / 1)
    assert "k_eff - 1 = 1 zero before the input and none after" in report
    assert 'as many as "same" gives: ceil(1 / 1) = 1' in report
    assert "no window fits" not in report, report


def test_keras_causal_length_is_same_s():
    keras = keras_on_torch("Keras' Conv1D is the reference for the causal length")
    for length, k, s, d in ((1, 2, 1, 1), (5, 3, 2, 1), (4, 2, 1, 2), (7, 4, 3, 1)):
        layer = keras.layers.Conv1D(1, k, strides=s, padding="causal", dilation_rate=d)
        assert layer(np.zeros((1, length, 1), "float32")).shape[1] == math.ceil(length / s)


def test_the_causal_hint_needs_causal_as_valid_on_every_case():
    assert check_conv_output_length(solution("conv_output_length"))
    valid = conv_length_causal_as_valid()

    def causal_as_valid_without_dilation(input_length, kernel_size, strides, padding, dilation_rate):
        return valid(input_length, kernel_size, strides, padding, 1 if padding == "causal" else dilation_rate)

    def same_as_valid_too(input_length, kernel_size, strides, padding, dilation_rate):
        return valid(input_length, kernel_size, strides, "valid", dilation_rate)

    for answer in (causal_as_valid_without_dilation, same_as_valid_too):
        report = report_of(check_conv_output_length, answer)
        assert "expected:" in report and CAUSAL not in report, report


# --------------------------------------------------- 2. Conv1DTranspose "same" with output_padding: k_eff mod 2
def transpose_length_without_odd_term(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    span = (kernel_size - 1) * dilation_rate + 1
    if padding == "valid":
        if output_padding is None:
            return (input_length - 1) * strides + max(span, strides)
        return (input_length - 1) * strides + span + output_padding
    if output_padding is None:
        return input_length * strides
    return (input_length - 1) * strides + output_padding             # forgot + span % 2


ODD_TERM = "Your lengths leave out the k_eff mod 2 that stays"


def test_same_with_output_padding_without_the_odd_term_is_told_it():
    report = report_of(check_output_length, transpose_length_without_odd_term)
    assert "input_length=1, kernel_size=1, strides=1, padding='same', output_padding=0, dilation_rate=1" in report
    assert "expected: 1\n  received: 0" in report
    assert ODD_TERM in report and "Keras crops pad = k_eff // 2 steps from each end, 2 * pad in all" in report
    assert "(1 - 1) * 1 + 1 - 0 + 0 = 1" in report, report              # by hand: nothing cropped from 1 step


def test_keras_same_length_keeps_the_odd_term():
    keras = keras_on_torch("Keras' Conv1DTranspose is the reference for the transposed length")
    for length, k, s, op in ((1, 1, 1, 0), (2, 3, 2, 1), (3, 5, 3, 2), (2, 4, 2, 1)):
        layer = keras.layers.Conv1DTranspose(1, k, strides=s, padding="same", output_padding=op)
        # by hand: (L - 1) * s + k - 2 * (k // 2) + op, the k mod 2 term 1 for an odd k, 0 for an even one
        assert layer(np.zeros((1, length, 1), "float32")).shape[1] == (length - 1) * s + k % 2 + op


def test_the_odd_term_hint_is_not_given_to_other_slips():
    right = solution("transpose_output_length")
    assert check_output_length(right)

    def pad_rounded_down(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        if padding == "valid" or output_padding is None:
            return right(input_length, kernel_size, strides, padding, output_padding, dilation_rate)
        span = (kernel_size - 1) * dilation_rate + 1
        return (input_length - 1) * strides + span - 2 * ((span - 1) // 2) + output_padding

    def odd_term_only_undilated(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        if dilation_rate > 1:
            return right(input_length, kernel_size, strides, padding, output_padding, dilation_rate)
        return transpose_length_without_odd_term(input_length, kernel_size, strides, padding, output_padding,
                                                 dilation_rate)

    for answer in (pad_rounded_down, odd_term_only_undilated, lambda *args: right(*args) + 1):
        report = report_of(check_output_length, answer)
        assert "expected:" in report and ODD_TERM not in report, report
    assert "Keras crops pad = k_eff // 2 steps from each end (" in report_of(check_output_length, pad_rounded_down)


# ------------------------------------------------------------------ 3. conv1d: the count of windows without + 1
def conv1d_by_loop(count, start=lambda n, s: n * s):
    """A convolution written from the formula y[n] = sum_t x[start(n) + t] w[t], over count(L, k, s) windows."""
    def fn(x, w, strides):
        return np.array([sum(x[start(n, strides) + t] * w[t] for t in range(len(w)))
                         for n in range(count(len(x), len(w), strides))], dtype=float)
    return fn


ONE_SHORT = "your result stops one window short"


def test_a_count_without_the_plus_one_is_told_the_last_window_is_missing():
    report = report_of(check_conv1d, conv1d_by_loop(lambda L, k, s: (L - k) // s))
    assert "strides=2\n  expected: [-0.01386] (shape (1,))\n  received: [] (shape (0,))" in report
    assert ONE_SHORT in report and "it is empty, where 1 window fits in x" in report, report
    assert "(L - k) // strides = (2 - 1) // 2 = 0" in report                  # by hand, L=2, k=1, s=2


def test_the_one_short_hint_needs_the_last_window_missing_on_larger_cases():
    assert check_conv1d(conv1d_by_loop(lambda L, k, s: (L - k) // s + 1))
    assert check_conv1d(solution("conv1d"))
    # range(0, L - k, s) over the window starts: one short only where s divides L - k
    starts = conv1d_by_loop(lambda L, k, s: len(range(0, L - k, s)))
    report = report_of(check_conv1d, starts)
    assert "the shapes differ" in report and ONE_SHORT not in report, report
    report = report_of(check_conv1d, conv1d_by_loop(lambda L, k, s: (L - k) // s + 2))
    assert ONE_SHORT not in report, report


# --------------------------------------------------- 6. conv1d: the stride left out of the starts, not the count
STARTS_ONLY = "Your count of windows is right"
FEWER = "so fewer windows fit"


def test_windows_one_step_apart_with_the_right_count_are_told_only_the_start_is_wrong():
    report = report_of(check_conv1d, conv1d_by_loop(lambda L, k, s: (L - k) // s + 1, start=lambda n, s: n))
    assert "strides=2" in report and "received: [-0.16371, -0.20296] (shape (2,))" in report
    assert STARTS_ONLY in report and "(2)" in report and FEWER not in report, report
    assert "(output step n: x[n * strides: n * strides + k])" in report


def test_every_window_one_step_apart_is_told_fewer_fit():
    report = report_of(check_conv1d, conv1d_by_loop(lambda L, k, s: L - k + 1, start=lambda n, s: n))
    assert "the shapes differ" in report
    assert FEWER in report and STARTS_ONLY not in report, report


# ------------------------------------------------------------- 4. resize overlap without the "same" padding
NO_PADDING = "your counts are kernel_size = 2 at every step, the ends included"


def test_counts_without_the_padding_are_told_the_ends_count_fewer():
    report = report_of(check_resize_overlap, lambda L, size, k: np.full(L * size, k, dtype=int))
    assert "input_length=1, size=1, kernel_size=2\n  expected: [1] (shape (1,))\n  received: [2]" in report
    assert NO_PADDING in report, report
    # by hand, kernel of 2 over one step: Keras pads 0 zeros on the left, 1 on the right; 1 tap reaches step 0
    assert "(kernel_size - 1) // 2 = 0 zero(s) on the left and kernel_size // 2 = 1 on the right" in report
    assert "step 0: 1 of the 2 taps" in report


def test_the_padding_hint_needs_the_slip_on_a_larger_case():
    right = solution("resize_overlap")
    assert check_resize_overlap(right)

    def larger_half_left(L, size, k):
        n = L * size
        return np.array([sum(1 for t in range(k) if 0 <= i + t - k // 2 < n) for i in range(n)])

    def full_on_short_inputs_only(L, size, k):
        return np.full(L * size, k) if L * size <= 2 else right(L, size, k)

    report = report_of(check_resize_overlap, larger_half_left)
    assert "puts the smaller half on the left" in report and "at every step" not in report, report
    report = report_of(check_resize_overlap, full_on_short_inputs_only)
    assert "expected:" in report and "at every step, the ends included" not in report, report


# ------------------------------------------------------------- 5. the reversed kernel of the input gradient
def input_gradient_scatter(reverse):
    def fn(g, w, s, input_length):
        dx = np.zeros(input_length)
        w = w[::-1] if reverse else w
        for n in range(len(g)):
            for t in range(len(w)):
                dx[n * s + t] += g[n] * w[t]
        return dx
    return fn


def input_gradient_correlate(reverse):
    """The gather the hint describes: np.correlate over g zero-stuffed and padded with k - 1 zeros each side."""
    def fn(g, w, s, input_length):
        z = np.zeros((len(g) - 1) * s + 1)
        z[::s] = g
        full = np.correlate(np.pad(z, (len(w) - 1,) * 2), w[::-1] if reverse else w, "valid")
        return np.concatenate([full, np.zeros(input_length - full.size)])
    return fn


def input_gradient_by_convolve(g, w, s, input_length):
    z = np.zeros((len(g) - 1) * s + 1)
    z[::s] = g
    full = np.convolve(z, w)                                 # w as given: np.convolve reverses it itself
    return np.concatenate([full, np.zeros(input_length - full.size)])


def test_the_reversed_kernel_hint_of_the_input_gradient_is_short_and_per_input_step():
    report = report_of(check_conv1d_input_gradient, input_gradient_scatter(reverse=True))
    hint = report.splitlines()[-1]
    assert hint.startswith("  your values are those of the kernel reversed, w[::-1]."), report
    assert "dx[i] = sum over the windows n that read x[i] of g[n] * w[i - n * strides]" in hint
    assert "each output step" not in hint and len(hint.split()) < 90, hint
    assert "remove the reversal from a scatter, or add one to a gather" in hint
    assert report_of(check_conv1d_input_gradient, input_gradient_correlate(reverse=False)).endswith(hint.strip())


def test_what_the_reversed_kernel_hint_says_is_true():
    """The three ways the hint names agree with the sum written from its formula, dx[i] = sum_n g[n] w[i - n s]."""
    for fn in (input_gradient_scatter(reverse=False), input_gradient_correlate(reverse=True),
               input_gradient_by_convolve):
        assert check_conv1d_input_gradient(fn)
    rng = np.random.default_rng(0)
    g, w, s, length = rng.standard_normal(3), rng.standard_normal(3), 2, 8
    by_formula = [sum(g[n] * w[i - n * s] for n in range(len(g)) if 0 <= i - n * s < len(w)) for i in range(length)]
    for fn in (input_gradient_scatter(reverse=False), input_gradient_correlate(reverse=True),
               input_gradient_by_convolve):
        assert np.allclose(fn(g, w, s, length), by_formula)


def test_the_transposed_convolution_s_reversed_kernel_hint_names_its_own_gather():
    def transpose_reversed(x, w, s):
        return input_gradient_scatter(reverse=True)(x, w, s, (len(x) - 1) * s + len(w))

    report = report_of(check_conv1d_transpose, transpose_reversed)
    assert "y[i] = sum over the inputs j whose copy reaches y[i] of x[j] * w[i - j * strides]" in report, report
    assert "np.correlate over the zero-stuffed, padded x needs w[::-1]" in report
