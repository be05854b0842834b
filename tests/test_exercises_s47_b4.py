"""Session 47 (b4): the checkers refuse an answer that calls the op under exercise; a gather that forgets its
index's lower bound (Python's x[-1] wrapping around) gets its own hint; the Conv1DTranspose length's hints for the
dilation and the max name what the student's own formula lacks, and only that."""
import sys
import threading

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
    check_output_length,
    check_overlap_counts,
    check_portable_relu,
    check_sgd_momentum,
    check_torch_sgd_step,
)
from tinygradconv.ops.conv import conv1d_transpose as renamed_transpose


def _t(a):
    return tg.tensor(np.asarray(a, dtype=np.float64), dtype="float64")


# ------------------------------------------------------------------------ 1. the op under exercise, refused
def transpose_by_the_op(x, w, strides):
    y = tg.ops.conv1d_transpose(_t(x.reshape(1, -1, 1)), _t(w.reshape(-1, 1, 1)), strides=strides, output_padding=0)
    return y.numpy().ravel()


def transpose_by_a_renamed_import(x, w, strides):       # bound before the checker ran: the watch still sees it
    return renamed_transpose(_t(x.reshape(1, -1, 1)), _t(w.reshape(-1, 1, 1)), strides=strides,
                             output_padding=0).numpy().ravel()


def transpose_by_the_layer(x, w, strides):
    layer = tg.layers.Conv1DTranspose(1, len(w), strides=strides, output_padding=0, use_bias=False)
    layer.build((1, len(x), 1))
    layer.set_weights([w.reshape(-1, 1, 1)])
    return np.asarray(layer(_t(x.reshape(1, -1, 1))).numpy()).ravel()


def transpose_by_the_op_then_raising(x, w, strides):
    transpose_by_the_op(x, w, strides)
    raise ValueError("a mistake of the student's own, after the op ran")


def conv1d_by_the_layer(x, w, strides):
    layer = tg.layers.Conv1D(1, len(w), strides=strides, use_bias=False)
    layer.build((1, len(x), 1))
    layer.set_weights([w.reshape(-1, 1, 1)])
    return layer(_t(x.reshape(1, -1, 1))).numpy().ravel()


def transpose_length_by_the_op(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    y = tg.ops.conv1d_transpose(_t(np.zeros((1, input_length, 1))), _t(np.ones((kernel_size, 1, 1))),
                                strides=strides, padding=padding, output_padding=output_padding,
                                dilation_rate=dilation_rate)
    return y.shape[1]


def transpose_length_by_the_arithmetic(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    from tinygradconv.ops.conv_arithmetic import conv_transpose_output_length
    return conv_transpose_output_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate)


def conv_length_by_the_layer(input_length, kernel_size, strides, padding, dilation_rate):
    layer = tg.layers.Conv1D(1, kernel_size, strides=strides, padding=padding, dilation_rate=dilation_rate)
    return layer.compute_output_shape((1, input_length, 1))[1]


def input_gradient_by_the_transpose(g, w, strides, input_length):
    y = tg.ops.conv1d_transpose(_t(g.reshape(1, -1, 1)), _t(w.reshape(-1, 1, 1)), strides=strides, output_padding=0)
    out = np.zeros(input_length)
    out[:y.shape[1]] = y.numpy().ravel()
    return out


def sgd_by_the_optimizer(param, grad, velocity, learning_rate, momentum, nesterov):
    optimizer = tg.optimizers.SGD(learning_rate=learning_rate, momentum=momentum, nesterov=nesterov)
    w = tg.Variable(param) if hasattr(tg, "Variable") else _t(param)
    optimizer.apply([_t(grad)], [w])
    return np.asarray(w.numpy()), velocity


def adam_by_the_optimizer(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
    optimizer = tg.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    w = _t(param)
    optimizer.apply([_t(grad)], [w])
    return np.asarray(w.numpy()), m, v


def torch_sgd_by_the_optimizer(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov):
    new, _ = sgd_by_the_optimizer(param, grad + weight_decay * param, np.zeros_like(param), learning_rate, momentum,
                                  nesterov)
    return new, grad


def logsumexp_by_the_op(x):
    return np.asarray(tg.ops.logsumexp(_t(np.asarray(x)), axis=-1).numpy())


def relu_by_the_tensor_method(x):
    xp = x.__array_namespace__()
    return xp.asarray(_t(np.asarray(x)).relu().numpy())


def overlap_by_viz(input_length, kernel_size, strides):
    layer = tg.layers.Conv1DTranspose(1, kernel_size, strides=strides)
    return tg.viz.overlap_counts(layer, input_length)


REFUSED = [
    (check_conv1d_transpose, transpose_by_the_op, "conv1d_transpose"),
    (check_conv1d_transpose, transpose_by_a_renamed_import, "conv1d_transpose"),
    (check_conv1d_transpose, transpose_by_the_layer, "conv1d_transpose"),
    (check_conv1d_transpose, transpose_by_the_op_then_raising, "conv1d_transpose"),
    (check_conv1d, conv1d_by_the_layer, "conv1d"),
    (check_output_length, transpose_length_by_the_op, "conv1d_transpose"),
    (check_output_length, transpose_length_by_the_arithmetic, "conv_transpose_output_length"),
    (check_conv_output_length, conv_length_by_the_layer, "conv_output_length"),
    (check_conv1d_input_gradient, input_gradient_by_the_transpose, "conv1d_transpose"),
    (check_sgd_momentum, sgd_by_the_optimizer, "SGD"),
    (check_adam_step, adam_by_the_optimizer, "Adam"),
    (check_torch_sgd_step, torch_sgd_by_the_optimizer, "SGD"),
    (check_logsumexp, logsumexp_by_the_op, "logsumexp"),
    (check_portable_relu, relu_by_the_tensor_method, "relu"),
    (check_overlap_counts, overlap_by_viz, "overlap_counts"),
]


@pytest.mark.parametrize("checker, answer, op", REFUSED, ids=[answer.__name__ for _, answer, _ in REFUSED])
def test_an_answer_that_calls_the_op_under_exercise_is_refused(checker, answer, op):
    if checker is check_portable_relu:
        pytest.importorskip("array_api_strict")
    report = report_of(checker, answer)
    assert report.startswith(f"{checker.__name__}: your function calls "), report
    assert op in report.splitlines()[0] and "write this yourself" in report and "compared with itself" in report
    assert "inputs:" not in report                          # no case, no expected value: nothing of the answer
    assert sys.getprofile() is None                          # the watch is gone, also after a refusal


def test_the_refused_answers_give_the_right_values_that_is_why_they_passed_before():
    torch = pytest.importorskip("torch")
    x, w = np.array([0.5, -1.0, 2.0]), np.array([1.0, 2.0])
    expected = torch.nn.functional.conv_transpose1d(torch.tensor(x).reshape(1, 1, -1), torch.tensor(w).reshape(
        1, 1, -1), stride=2).numpy().ravel()
    for answer in (transpose_by_the_op, transpose_by_a_renamed_import, transpose_by_the_layer):
        np.testing.assert_allclose(answer(x, w, 2), expected)


def transpose_through_conv1d(x, w, strides):
    """The transposed convolution by way of another op of the package: conv1d over x with strides - 1 zeros between
    its values and k - 1 at each end, with the kernel reversed (allowed: the exercise's op is not called)."""
    k = len(w)
    spread = np.zeros((len(x) - 1) * strides + 1)
    spread[::strides] = x
    padded = np.concatenate([np.zeros(k - 1), spread, np.zeros(k - 1)])
    return tg.ops.conv1d(_t(padded.reshape(1, -1, 1)), _t(w[::-1].reshape(-1, 1, 1))).numpy().ravel()


def test_answers_of_their_own_pass_with_numpy_and_other_ops_of_the_package():
    assert check_conv1d_transpose(solution("conv1d_transpose")) is True
    assert check_conv1d_transpose(transpose_through_conv1d) is True        # conv1d is not the op under exercise
    assert check_output_length(solution("transpose_output_length")) is True
    assert check_conv1d(solution("conv1d")) is True
    assert check_conv1d_input_gradient(solution("conv1d_input_gradient")) is True
    assert check_sgd_momentum(solution("sgd_step")) is True
    assert sys.getprofile() is None


def test_the_watch_holds_in_the_thread_that_checks_and_only_there():
    reports = []

    def check():
        try:
            check_conv1d_transpose(transpose_by_the_op)
        except AssertionError as report:
            reports.append(str(report))

    worker = threading.Thread(target=check)
    worker.start()
    worker.join()
    assert reports and "your function calls tinygradconv's conv1d_transpose" in reports[0]
    assert sys.getprofile() is None
    # the op itself works as before, outside the checker
    assert transpose_by_the_op(np.array([1.0, 2.0]), np.array([1.0, 1.0]), 1).tolist() == [1.0, 3.0, 2.0]


# ------------------------------------------------------------------------- 2. a gather without j >= 0
def transpose_gather_without_lower_bound(x, w, strides):
    y = np.zeros((len(x) - 1) * strides + len(w))
    for n in range(len(y)):
        for t in range(len(w)):
            if (n - t) % strides == 0 and (n - t) // strides < len(x):        # j >= 0 forgotten
                y[n] += x[(n - t) // strides] * w[t]
    return y


def input_gradient_gather_without_lower_bound(g, w, strides, input_length):
    dx = np.zeros(input_length)
    for j in range(input_length):
        for t in range(len(w)):
            if (j - t) % strides == 0 and (j - t) // strides < len(g):        # n >= 0 forgotten
                dx[j] += g[(j - t) // strides] * w[t]
    return dx


@pytest.mark.parametrize("checker, answer, values, index", [
    (check_conv1d_transpose, transpose_gather_without_lower_bound, "x", "j"),
    (check_conv1d_input_gradient, input_gradient_gather_without_lower_bound, "g", "n")])
def test_a_gather_that_forgets_the_lower_bound_is_told_so(checker, answer, values, index):
    report = report_of(checker, answer)
    assert f"reads {values} at a negative index" in report, report
    assert f"{index} >= 0" in report and f"Python reads {values}[-1] as the last value of {values}" in report
    assert "% strides" not in report and "+=" not in report.split("reads")[-1]     # in words, not the answer's code


def test_the_wrapped_values_are_what_python_gives_by_hand():
    # x = [a], w = [p, q], strides 1: y[0] = a * p, and the pair n=0, t=1 reads x[-1] = a: a * p + a * q
    a, p, q = 2.0, 3.0, 5.0
    assert transpose_gather_without_lower_bound(np.array([a]), np.array([p, q]), 1).tolist() == [a * p + a * q, a * q]
    torch = pytest.importorskip("torch")
    right = torch.nn.functional.conv_transpose1d(torch.tensor([[[a]]]), torch.tensor([[[p, q]]])).ravel().tolist()
    assert right == [a * p, a * q]


def test_an_index_below_minus_len_x_gets_the_lower_bound_hint_too():
    from tinygradconv.exercises.checkers.transposed import _transpose_error
    inputs = {"x": np.array([1.5]), "w": np.array([1.0, 2.0, 3.0]), "strides": 1}
    with pytest.raises(IndexError) as info:                  # n = 0, t = 2: x[-2] of one value
        transpose_gather_without_lower_bound(*inputs.values())
    assert "index -2 is out of bounds" in str(info.value)
    hint = _transpose_error(info.value, inputs, transpose_gather_without_lower_bound)
    assert hint is not None and "reads x at a negative index" in hint and "j >= 0" in hint


def test_an_upper_bound_slip_keeps_its_own_hint():
    def without_upper_bound(x, w, strides):
        y = np.zeros((len(x) - 1) * strides + len(w))
        for n in range(len(y)):
            for t in range(len(w)):
                if (n - t) % strides == 0 and n >= t:                           # j < len(x) forgotten
                    y[n] += x[(n - t) // strides] * w[t]
        return y
    report = report_of(check_conv1d_transpose, without_upper_bound)
    assert "negative index" not in report and "reads x past its end" in report, report


# --------------------------------------------------------------- 3. the dilation and max hints of the length
def keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate, k_eff=None):
    """Keras 3's Conv1DTranspose length, from its rule; ``k_eff`` given: the student's own span in its place."""
    span = (kernel_size - 1) * dilation_rate + 1 if k_eff is None else k_eff
    if output_padding is None:
        return input_length * strides if padding == "same" else (input_length - 1) * strides + max(span, strides)
    pad = 0 if padding == "valid" else span // 2
    return (input_length - 1) * strides + span - 2 * pad + output_padding


def k_eff_is_kernel_size(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    return keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate, k_eff=kernel_size)


def full_length_with_kernel_size(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    if output_padding is None and padding == "valid":
        return (input_length - 1) * strides + kernel_size          # no max, and kernel_size for k_eff
    return keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate)


def full_length_with_kernel_size_everywhere(input_length, kernel_size, strides, padding, output_padding,
                                            dilation_rate):
    if output_padding is None and padding == "valid":
        return (input_length - 1) * strides + kernel_size
    return k_eff_is_kernel_size(input_length, kernel_size, strides, padding, output_padding, dilation_rate)


def full_length_with_k_eff(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    if output_padding is None and padding == "valid":
        return (input_length - 1) * strides + (kernel_size - 1) * dilation_rate + 1        # no max only
    return keras_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate)


def test_keras_agrees_with_the_rule_on_the_cases_the_hints_name():
    keras = pytest.importorskip("keras")
    for length, k, s, d in [(1, 1, 2, 1), (1, 2, 1, 2), (3, 2, 3, 1)]:
        layer = keras.layers.Conv1DTranspose(1, k, strides=s, dilation_rate=d)
        assert layer(np.zeros((1, length, 1), "float32")).shape[1] == keras_length(length, k, s, "valid", None, d)


def test_the_dilation_hint_names_the_max_of_an_answer_that_has_it():
    report = report_of(check_output_length, k_eff_is_kernel_size)
    assert "the dilation is missing" in report and "use k_eff wherever your formula has kernel_size" in report
    assert "(in your max(..., strides) too)" in report and "pad = k_eff // 2" not in report, report


def test_the_dilation_hint_does_not_name_a_max_the_answer_lacks():
    from tinygradconv.exercises.checkers.transposed import _output_length_mistake
    # the checker's own cases, rebuilt from Keras' rule
    cases = []
    for length in range(1, 7):
        for k in range(1, 6):
            for s in range(1, 5):
                for padding in ("valid", "same"):
                    for d in (1, 2):
                        if s > 1 and d > 1:
                            continue
                        for op in (None, *range(s)):
                            inputs = {"input_length": length, "kernel_size": k, "strides": s, "padding": padding,
                                      "output_padding": op, "dilation_rate": d}
                            cases.append((inputs, keras_length(*inputs.values())))
    inputs = {"input_length": 1, "kernel_size": 2, "strides": 1, "padding": "valid", "output_padding": None,
              "dilation_rate": 2}
    received = full_length_with_kernel_size_everywhere(*inputs.values())
    assert received == 2 and keras_length(*inputs.values()) == 3
    hint = _output_length_mistake(full_length_with_kernel_size_everywhere, inputs, received, cases)
    assert hint.startswith("the dilation is missing") and "max(" not in hint, hint


@pytest.mark.parametrize("answer", [full_length_with_kernel_size, full_length_with_kernel_size_everywhere])
def test_the_full_length_with_kernel_size_is_told_both_fixes(answer):
    report = report_of(check_output_length, answer)
    assert "input_length=1, kernel_size=1, strides=2, padding='valid', output_padding=None" in report
    assert "expected: 2\n  received: 1" in report
    assert "two things to fix" in report and "(L - 1) * strides + kernel_size, here (1 - 1) * 2 + 1 = 1" in report
    assert "the dilation is missing from it" in report and "right wherever k_eff >= strides" in report
    assert "max(" not in report                               # the missing max in words, not the answer's formula


def test_the_full_length_with_k_eff_keeps_the_max_hint_alone():
    report = report_of(check_output_length, full_length_with_k_eff)
    assert "your lengths are (L - 1) * strides + k_eff" in report and "two things" not in report
    assert "dilation is missing" not in report and "max(" not in report
