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
from tinygradconv.exercises import check_conv1d_input_gradient, check_conv1d_kernel_gradient


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
