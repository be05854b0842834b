"""Session 47 (f3): the checkers' watch on the op under exercise (checkers/own_work.py), found open by a reviewer.

1. The transposed convolution computed through conv1d's backward() passed check_conv1d_transpose (conv1d's input
   gradient runs conv1d_transpose's inner code, not the watched functions), the convolution through
   conv1d_transpose's backward() passed check_conv1d, ``x - log_softmax(x)`` passed check_logsumexp and the row sums
   of ``viz.connectivity_matrix`` passed check_overlap_counts: each is refused now, naming what it called.
2. The refusals of check_logsumexp and check_portable_relu said "Write it with NumPy and Python" and then "use
   x.__array_namespace__()": they say what tutorial 6 asks, the namespace's functions only.
3. Under cProfile the answer runs unwatched on Python 3.10 and 3.11 only (a profile function is set there); on 3.12+
   cProfile uses sys.monitoring and the watch stays on.
"""
import cProfile
import sys

import numpy as np
import pytest
from test_exercise_hints import report_of
from test_exercises import solution

import tinygradconv as tg
from tinygradconv.exercises import (
    check_conv1d,
    check_conv1d_input_gradient,
    check_conv1d_transpose,
    check_logsumexp,
    check_overlap_counts,
    check_portable_relu,
    check_resize_overlap,
)

torch = pytest.importorskip("torch")


def _t(a, grad=False):
    t = tg.tensor(np.asarray(a, dtype=np.float64), dtype="float64")
    t.requires_grad = grad
    return t


# ----------------------------------------------------------------------------- 1. other ways to the same values
def transpose_by_conv1d_backward(x, w, strides):          # the reviewer's answer
    length = (len(x) - 1) * strides + len(w)
    inp = _t(np.zeros((1, length, 1)), grad=True)
    y = tg.ops.conv1d(inp, _t(w.reshape(-1, 1, 1)), strides=strides)
    (y * _t(x.reshape(1, -1, 1))).sum().backward()
    return inp.grad.numpy().ravel()


def conv1d_by_transpose_backward(x, w, strides):          # the reverse trick
    steps = (len(x) - len(w)) // strides + 1
    inp = _t(np.zeros((1, steps, 1)), grad=True)
    y = tg.ops.conv1d_transpose(inp, _t(w.reshape(-1, 1, 1)), strides=strides, output_padding=0)
    padded = np.zeros(y.shape[1])
    padded[:min(len(x), y.shape[1])] = x[:y.shape[1]]
    (y * _t(padded.reshape(1, -1, 1))).sum().backward()
    return inp.grad.numpy().ravel()


def logsumexp_by_log_softmax(x):
    t = tg.tensor(x)                                      # a NumPy or an array-api-strict array, kept as it is
    return (t - tg.ops.nn.log_softmax(t))[..., 0].data


def logsumexp_by_softmax(x):                              # x - log(softmax(x)): the row maximum's term is exact
    t = tg.tensor(x)
    return (t - tg.activations.softmax(t).log()).min(axis=-1).data


def overlap_by_connectivity_matrix(input_length, kernel_size, strides):     # the reviewer's answer
    layer = tg.layers.Conv1DTranspose(1, kernel_size, strides=strides)
    return tg.viz.connectivity_matrix(layer, input_length).sum(1).astype(int)


def overlap_by_the_transpose_of_ones(input_length, kernel_size, strides):
    y = tg.ops.conv1d_transpose(_t(np.ones((1, input_length, 1))), _t(np.ones((kernel_size, 1, 1))),
                                strides=strides)
    return np.rint(y.numpy().ravel()).astype(int)


def resize_overlap_by_model_matrix(input_length, size, kernel_size):
    model = tg.models.Sequential([tg.layers.UpSampling1D(size), tg.layers.Conv1D(1, kernel_size, padding="same")])
    return tg.viz.model_connectivity_matrix(model, input_length).sum(1).astype(int)


def test_the_other_ways_give_the_right_values_that_is_why_they_passed_before():
    x, w = np.array([0.5, -1.0, 2.0, 0.25, 1.5]), np.array([1.0, 2.0, -0.5])
    tx, tw = torch.tensor(x).reshape(1, 1, -1), torch.tensor(w).reshape(1, 1, -1)
    np.testing.assert_allclose(transpose_by_conv1d_backward(x, w, 2),
                               torch.nn.functional.conv_transpose1d(tx, tw, stride=2).numpy().ravel())
    np.testing.assert_allclose(conv1d_by_transpose_backward(x, w, 2),
                               torch.nn.functional.conv1d(tx, tw, stride=2).numpy().ravel())
    rows = np.array([[1.0, 2.0, 3.0], [500.0, -20.0, 499.0]])
    for answer in (logsumexp_by_log_softmax, logsumexp_by_softmax):
        np.testing.assert_allclose(answer(rows), torch.logsumexp(torch.tensor(rows), dim=-1).numpy(), rtol=1e-12)
    # counts by hand: k = 3, s = 2, 3 inputs: copies of the kernel start at 0, 2, 4 and end at 2, 4, 6
    assert overlap_by_connectivity_matrix(3, 3, 2).tolist() == [1, 1, 2, 1, 2, 1, 1]
    assert overlap_by_the_transpose_of_ones(3, 3, 2).tolist() == [1, 1, 2, 1, 2, 1, 1]
    # UpSampling1D(2) then a "same" kernel of 3 over 2 inputs: 4 steps, each reached by 3 taps but at the ends
    assert resize_overlap_by_model_matrix(2, 2, 3).tolist() == [2, 3, 3, 2]


@pytest.mark.parametrize("checker, answer, called", [
    (check_conv1d_transpose, transpose_by_conv1d_backward, "the gradient of tinygradconv's conv1d or conv1d_transpose"),
    (check_conv1d, conv1d_by_transpose_backward, "the gradient of tinygradconv's conv1d or conv1d_transpose"),
    (check_logsumexp, logsumexp_by_log_softmax, "tinygradconv's log_softmax"),
    (check_logsumexp, logsumexp_by_softmax, "tinygradconv's log_softmax"),
    (check_overlap_counts, overlap_by_connectivity_matrix, "the path matrices of tinygradconv.viz"),
    (check_overlap_counts, overlap_by_the_transpose_of_ones, "tinygradconv's conv1d_transpose"),
    (check_resize_overlap, resize_overlap_by_model_matrix, "the path matrices of tinygradconv.viz"),
], ids=lambda v: getattr(v, "__name__", None))
def test_an_answer_through_another_way_to_the_op_is_refused_naming_it(checker, answer, called):
    if checker is check_logsumexp:
        pytest.importorskip("array_api_strict")
    report = report_of(checker, answer)
    assert report.startswith(f"{checker.__name__}: your function calls {called}"), report
    assert "write this yourself" in report and "inputs:" not in report
    assert sys.getprofile() is None


def test_the_allowed_answers_still_pass():
    assert check_conv1d_transpose(solution("conv1d_transpose"))
    assert check_conv1d(solution("conv1d"))
    assert check_overlap_counts(solution("overlap_counts"))
    assert check_resize_overlap(solution("resize_overlap"))

    def transpose_through_conv1d_forward(x, w, strides):  # another op's forward: allowed, as the docs say
        k = len(w)
        spread = np.zeros((len(x) - 1) * strides + 1)
        spread[::strides] = x
        padded = np.concatenate([np.zeros(k - 1), spread, np.zeros(k - 1)])
        return tg.ops.conv1d(_t(padded.reshape(1, -1, 1)), _t(w[::-1].reshape(-1, 1, 1))).numpy().ravel()

    assert check_conv1d_transpose(transpose_through_conv1d_forward)


def test_the_input_gradient_checker_still_names_backward():
    report = report_of(check_conv1d_input_gradient, lambda g, w, strides, input_length: transpose_by_conv1d_backward(
        g, w, strides)[:input_length])
    assert report.startswith("check_conv1d_input_gradient: your function calls tinygradconv's backward()"), report


# ----------------------------------------------------------------------------- 2. what tutorial 6 asks
@pytest.mark.parametrize("checker, answer", [
    (check_logsumexp, lambda x: x.__array_namespace__().asarray(tg.ops.logsumexp(tg.tensor(x), axis=-1).data)),
    (check_portable_relu, lambda x: x.__array_namespace__().asarray(tg.tensor(x).relu().data)),
])
def test_the_portable_refusals_ask_for_the_namespace_only(checker, answer):
    pytest.importorskip("array_api_strict")
    report = report_of(checker, answer)
    assert "your function calls tinygradconv's" in report
    assert "x.__array_namespace__() only, as tutorial 6 asks" in report
    assert "NumPy and Python" not in report


# ----------------------------------------------------------------------------- 3. under cProfile
def test_under_cprofile_the_watch_holds_from_python_3_12():
    profiler = cProfile.Profile()
    profiler.enable()
    try:
        outcome = check_conv1d_transpose(transpose_by_conv1d_backward)
    except AssertionError as error:
        outcome = str(error)
    finally:
        profiler.disable()
    if sys.version_info >= (3, 12):       # cProfile through sys.monitoring: the watch stays on beside it
        assert str(outcome).startswith("check_conv1d_transpose: your function calls the gradient"), outcome
    else:                                 # cProfile is the thread's profile function: the answer runs unwatched
        assert outcome is True
    assert sys.getprofile() is None
