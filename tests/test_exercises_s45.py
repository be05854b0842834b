"""A student-tester's findings in the checkers of tutorials 03 to 08 (session 45): one rule for float32 results,
hints given only where the numbers identify the mistake."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.exercises import check_conv1d_input_gradient, check_conv1d_kernel_gradient


def report(checker, fn):
    """The AssertionError text of ``checker(fn)``."""
    with pytest.raises(AssertionError) as info:
        checker(fn)
    return str(info.value)


def input_gradient(g, w, strides, input_length):
    """dL/dx by the scatter loop, from the formula: dx[n * strides + t] += g[n] * w[t]."""
    dx = np.zeros(input_length)
    for n, value in enumerate(g):
        for t, tap in enumerate(w):
            dx[n * strides + t] += value * tap
    return dx


def kernel_gradient(x, g, kernel_size, strides):
    """dL/dw from the formula: sum over n of g[n] * x[n * strides + t]."""
    return np.array([sum(g[n] * x[n * strides + t] for n in range(len(g))) for t in range(kernel_size)])


# ------------------------------------------------------------------------------------------- one float32 rule
FLOAT32_NOTE = "your result is float32, which keeps about 6 digits: compute in float64"


@pytest.mark.parametrize("checker, right", [(check_conv1d_input_gradient, input_gradient),
                                            (check_conv1d_kernel_gradient, kernel_gradient)])
def test_both_conv1d_checkers_refuse_a_float32_result_the_same_way(checker, right):
    """The kernel checker passed a result cast to float32 (its rounding, 6e-8, is under rtol=1e-7), the input
    checker refused one summed in float32: float64 in, float64 out, for both, whichever way the float32 came."""
    assert checker(right) is True
    def summed_in_float32(*args):                                  # its rounding errors add up past 1e-7
        return right(*(np.asarray(a, np.float32) if isinstance(a, np.ndarray) else a for a in args)).astype(
            np.float32)
    for fn in (lambda *args: right(*args).astype(np.float32), summed_in_float32,
               lambda *args: tg.tensor(right(*args).tolist())):           # a tensor from a list is float32
        text = report(checker, fn)
        assert FLOAT32_NOTE in text, text
    assert checker(lambda *args: tg.tensor(right(*args).tolist(), dtype="float64")) is True


def test_a_float32_result_with_a_wrong_formula_gets_the_formula_hint_first():
    """The float32 note waits for the end of the check: a reversed kernel gradient in float32 is told it is
    reversed (on the first case where that shows), not to compute in float64."""
    text = report(check_conv1d_kernel_gradient,
                  lambda *args: kernel_gradient(*args)[::-1].astype(np.float32))
    assert "reversed along the taps" in text and "float64" not in text, text


# ------------------------------------------------------------------------- kernel gradient: an extra axis
def test_an_extra_axis_is_not_called_terms_not_added_up():
    """dL/dw as shape (k, 1) met first a case with k = 1 and one output step, where (1, 1) is also one term per tap
    and step: the hint said "adds up their terms". The fixed cases with several steps tell the two apart."""
    text = report(check_conv1d_kernel_gradient, lambda *args: np.outer(kernel_gradient(*args), [1.0]))
    assert "the shapes differ: expected (1,), received (1, 1)" in text, text
    assert "adds up their terms" not in text and "one term per tap and per output step" not in text, text
    assert "an extra axis of length 1" in text, text
    # the terms not added up are still told, on the same first case, shape (1, 1)
    def not_summed(x, g, kernel_size, strides):
        return np.array([[g[n] * x[n * strides + t] for n in range(len(g))] for t in range(kernel_size)])
    text = report(check_conv1d_kernel_gradient, not_summed)
    assert "one term per tap and per output step, shape (1, 1)" in text and "extra axis" not in text, text
    # a shape that follows neither rule on every case gets no hint beyond the shapes
    def sometimes(x, g, kernel_size, strides):
        right = kernel_gradient(x, g, kernel_size, strides)
        return right[:, None] if len(g) == 1 else right[None, :-1]
    text = report(check_conv1d_kernel_gradient, sometimes)
    assert text.rstrip().endswith("received (1, 1)"), text


# ---------------------------------------------------------- input gradient: a scatter over the input's steps
def test_a_scatter_looping_over_the_input_length_is_not_called_a_gather():
    """`for n in range(L): dx[n*s: n*s + k] += g[n] * w` reads g[n] past its end: the hint called it "a loop over
    the input steps that reads a window of g for each (a gather)", a scatter's diagnosis gone wrong."""
    def scatter_over_input(g, w, strides, input_length):
        dx = np.zeros(input_length)
        for n in range(input_length):
            dx[n * strides: n * strides + len(w)] += g[n] * w
        return dx

    text = report(check_conv1d_input_gradient, scatter_over_input)
    # g of 1 value, input_length 2 (the case shown, by hand)
    assert "g=[-0.53567] (shape (1,)), w=[0.1049] (shape (1,)), strides=3, input_length=2" in text, text
    assert "gather" not in text and "window of g" not in text, text
    assert "a loop that reads g once per input step runs past its end" in text, text
    assert "n in range(len(g))" in text, text


def test_a_transposed_convolution_scattering_over_the_output_length_is_not_called_a_gather():
    """The same slip in tutorial 03's exercise: `for n in range(full): y[n*s: n*s + k] += x[n] * w`."""
    from tinygradconv.exercises import check_conv1d_transpose

    def scatter_over_output(x, w, strides):
        full = (len(x) - 1) * strides + len(w)
        y = np.zeros(full)
        for n in range(full):
            y[n * strides: n * strides + len(w)] += x[n] * w
        return y

    text = report(check_conv1d_transpose, scatter_over_output)
    assert "IndexError" in text and "gather" not in text, text
    assert "a loop that reads x once per output step runs past its end" in text, text

    def gathering(x, w, strides):                     # a real gather, by its computed index into x: said so
        full = (len(x) - 1) * strides + len(w)
        y = np.zeros(full)
        for i in range(full):
            for t in range(len(w)):
                y[i] += x[i * strides + t] * w[t]
        return y

    text = report(check_conv1d_transpose, gathering)
    assert "the gather of conv1d" in text, text


# ------------------------------------------------------ hints where the numbers identify the slip, none otherwise
def test_logsumexp_without_the_shift_added_back_is_told_so_and_zeros_are_not():
    """The first case's rows each have one value far above the others, so log(sum(exp(x - m))) is about 0 there,
    what an answer of zeros gives too: the hint needs the fixed case where it is log 3, 0.408, 0.474."""
    from tinygradconv.exercises import check_logsumexp

    def shift_kept(x):
        xp = x.__array_namespace__()
        return xp.log(xp.sum(xp.exp(x - xp.max(x, axis=-1, keepdims=True)), axis=-1))

    text = report(check_logsumexp, shift_kept)
    assert "received: [0., 0., 0.]" in text and "the shift was taken out and not put back" in text, text
    text = report(check_logsumexp, lambda x: x.__array_namespace__().zeros(x.shape[:-1], dtype=x.dtype))
    assert "received: [0., 0., 0.]" in text and "shift" not in text, text
    assert text.rstrip().endswith("received 0.0"), text


def test_adam_adding_the_step_is_told_it_climbs_the_gradient():
    from tinygradconv.exercises import check_adam_step

    def ascent(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        m = m + (grad - m) * (1 - beta_1)
        v = v + (grad * grad - v) * (1 - beta_2)
        alpha = learning_rate * np.sqrt(1 - beta_2 ** iteration) / (1 - beta_1 ** iteration)
        return param + alpha * m / (np.sqrt(v) + epsilon), m, v

    text = report(check_adam_step, ascent)
    # step 1 of the first case: lr 0.01, beta_1 0.5, m = v = 0: each parameter moves by 0.01 against sign(grad)
    assert "expected: [ 0.63042,  0.0949 , -0.52567,  0.3716 ]" in text, text
    assert "received: [ 0.65042,  0.1149 , -0.54567,  0.3516 ]" in text, text
    assert "your parameter moved up the gradient" in text and "(the new parameter, at step 1)" in text, text

    def half_step_up(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):   # not the sign slip
        new, m, v = ascent(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)
        return param + (new - param) / 2, m, v

    assert "up the gradient" not in report(check_adam_step, half_step_up)


def test_a_kernel_gradient_keeping_the_last_term_only_is_told_so():
    def last_only(x, g, kernel_size, strides):
        n = len(g) - 1
        return np.array([g[n] * x[n * strides + t] for t in range(kernel_size)])

    text = report(check_conv1d_kernel_gradient, last_only)
    # x = [0.04133, -2.32503], g = [-1.24591, -0.73227], k = 1: g1 * x1 = 1.70254, the sum 1.65106 (by hand)
    assert "expected: [1.65106]" in text and "received: [1.70254]" in text, text
    assert "holds only the last output step's term" in text, text

    def last_on_this_case_only(x, g, kernel_size, strides):   # the slip's value here, the right rule elsewhere
        right = kernel_gradient(x, g, kernel_size, strides)
        return last_only(x, g, kernel_size, strides) if len(x) == 2 and len(g) == 2 else right
    assert "last output step" not in report(check_conv1d_kernel_gradient, last_on_this_case_only)


@pytest.mark.parametrize("start, stop, words", [(0, -1, "covers k - 1 steps, one short"),
                                                (1, 1, "start one step late")])
def test_overlap_counts_with_the_slice_one_off_are_told_which_way(start, stop, words):
    from tinygradconv.exercises import check_overlap_counts

    def sliced(input_length, kernel_size, strides):
        counts = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=int)
        for j in range(input_length):
            counts[j * strides + start: j * strides + kernel_size + stop] += 1
        return counts

    text = report(check_overlap_counts, sliced)
    assert "input_length=1, kernel_size=1, strides=1" in text and "received: [0]" in text, text
    assert words in text, text
    # zeros on every case: the same first report, no slip named
    text = report(check_overlap_counts, lambda n, k, s: np.zeros((n - 1) * s + max(k, s), dtype=int))
    assert "received: [0]" in text and "one short" not in text and "late" not in text, text
