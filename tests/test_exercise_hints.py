"""The hints of the exercises' checkers and of gradcheck's report, each tried on a hand-written wrong answer whose
mistake is known (or on PyTorch's own optimizer), so that the hint is shown for that mistake."""
import re
from pathlib import Path

import numpy as np
import pytest
from test_exercises import NumpySiLU

import tinygradconv as tg
from tinygradconv.exercises import (
    EXERCISES,
    check_conv1d,
    check_custom_binary_op,
    check_custom_op,
    check_logsumexp,
    check_portable_relu,
    check_sgd_momentum,
)


class SquareForgetsTwoA(tg.Function):
    """``a * a`` whose backward returns the incoming gradient unchanged (it should be ``2 * a * grad``)."""

    @staticmethod
    def forward(ctx, a):
        return a * a

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_gradcheck_says_what_its_two_numbers_are_and_shows_the_unweighted_gradient():
    x = tg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda t: SquareForgetsTwoA.apply(t), x)
    message = str(info.value)
    assert "for L = sum(v * fn(*inputs)), v a random array of the output's shape (seed=0)" in message
    # with v = 1, by hand: the backward gives 1 everywhere, the derivative 2 x is [2, 4]
    found = re.search(r"with v = 1 .*input 0: analytic=\[(.*?)\], numeric=\[(.*?)\]", message)
    assert [float(s) for s in found.group(1).split(",")] == [1.0, 1.0]
    assert [float(s) for s in found.group(2).split(",")] == pytest.approx([2.0, 4.0], rel=1e-8)


def test_gradcheck_with_weights_names_them_and_notices_a_backward_that_ignores_its_gradient():
    class SquareIgnoresGrad(tg.Function):                # returns 2 a, not 2 a * grad: right for v = 1 only
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return 2 * a

    x = tg.tensor([1.0, -3.0], dtype="float64", requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda t: SquareIgnoresGrad.apply(t), x, weights=np.array([0.5, 2.0]))
    message = str(info.value)
    assert "v the `weights` given" in message
    assert "they agree: does the backward multiply by its incoming gradient?" in message


def report_of(checker, answer):
    with pytest.raises(AssertionError) as info:
        checker(answer)
    return str(info.value)


def numpy_logsumexp(x):
    m = np.max(x, axis=-1, keepdims=True)                   # NumPy's functions: array-api-strict refuses them
    return np.log(np.sum(np.exp(x - m), axis=-1)) + m[..., 0]


def mask_relu(x):
    """A float array times a boolean one: NumPy allows it, the array API does not."""
    return x * (x > 0)


@pytest.mark.parametrize("checker, answer, line", [
    (check_logsumexp, numpy_logsumexp, "return np.log(np.sum(np.exp(x - m), axis=-1)) + m[..., 0]"),
    (check_portable_relu, mask_relu, "return x * (x > 0)"),
])
def test_an_answer_failing_on_array_api_strict_gets_its_own_line_and_the_xp_hint(checker, answer, line):
    pytest.importorskip("array_api_strict", reason="the answers fail on array-api-strict arrays only")
    report = report_of(checker, answer)
    assert "backend='array_api_strict'" in report
    assert re.search(rf"\(line \d+: {re.escape(line)}\)", report), report   # the student's line
    assert "raise TypeError" not in report                  # not array_api_strict's own source line
    assert "use xp = x.__array_namespace__() for every function (xp.exp, not np.exp)" in report
    assert "xp.where(x > 0, x, xp.zeros_like(x)) to choose values" in report


def test_an_op_failing_on_array_api_strict_gets_the_same_hint_with_ctx_xp():
    pytest.importorskip("array_api_strict", reason="the op fails on array-api-strict arrays only")

    report = report_of(check_custom_op, NumpySiLU)
    assert "use ctx.xp for every function (ctx.xp.exp, not np.exp)" in report
    assert re.search(r"\(line \d+: return x \* s\)", report), report  # np.exp returned NumPy; x * s refused it


def test_an_answer_returning_numpy_for_array_api_strict_gets_the_same_hint():
    pytest.importorskip("array_api_strict", reason="np.maximum turns array-api-strict arrays into NumPy ones")
    report = report_of(check_portable_relu, lambda x: np.maximum(x, 0))
    assert "the result is a numpy.ndarray, not an array of the input's namespace (array_api_strict)" in report
    assert "use xp = x.__array_namespace__() for every function (xp.exp, not np.exp)" in report


# ---------------------------------------------------------------------------------------------- SGD with momentum
def torch_sgd_step(param, grad, velocity, learning_rate, momentum, nesterov):
    """One step of torch.optim.SGD, its momentum buffer returned as the velocity."""
    torch = pytest.importorskip("torch")
    p = torch.tensor(param, requires_grad=True)
    optimizer = torch.optim.SGD([p], lr=learning_rate, momentum=momentum, nesterov=nesterov and momentum > 0)
    if momentum:
        optimizer.state[p]["momentum_buffer"] = torch.tensor(velocity)
    p.grad = torch.tensor(grad)
    optimizer.step()
    return p.detach().numpy(), optimizer.state[p]["momentum_buffer"].numpy() if momentum else velocity


def keras_sgd_step(param, grad, velocity, learning_rate, momentum, nesterov):
    """Keras 3's formulas, written out from its SGD: the reference the wrong answers below are built around."""
    velocity = momentum * velocity - learning_rate * grad
    return (param + momentum * velocity - learning_rate * grad if nesterov else param + velocity), velocity


def torch_nesterov_only(param, grad, velocity, learning_rate, momentum, nesterov):
    step = torch_sgd_step if nesterov else keras_sgd_step
    return step(param, grad, velocity, learning_rate, momentum, nesterov)


@pytest.mark.parametrize("answer, nesterov", [(torch_sgd_step, "nesterov=False"),
                                              (torch_nesterov_only, "nesterov=True")])
def test_pytorch_sgd_is_told_its_velocity_is_pytorchs_momentum_buffer(answer, nesterov):
    """PyTorch's parameter update equals Keras' (its buffer is Keras' m / -learning_rate), so the velocity is what
    differs, Nesterov or not."""
    report = report_of(check_sgd_momentum, answer)
    assert nesterov in report and "(the new velocity, at step 1" in report
    assert "this is PyTorch's momentum buffer (buf <- momentum * buf + grad" in report
    assert "m <- momentum * m - learning_rate * grad" in report


def plain_momentum(param, grad, velocity, learning_rate, momentum, nesterov):
    velocity = momentum * velocity - learning_rate * grad
    return param + velocity, velocity                           # w + m, Nesterov or not


def lookahead_along_old_velocity(param, grad, velocity, learning_rate, momentum, nesterov):
    new_velocity = momentum * velocity - learning_rate * grad
    if nesterov:
        return param + momentum * velocity - learning_rate * grad, new_velocity      # the old velocity
    return param + new_velocity, new_velocity


def right_first(slip):
    """Keras' step while the velocity is zero, then ``slip``: a wrong step the checker meets at step 2."""
    def answer(param, grad, velocity, learning_rate, momentum, nesterov):
        step = keras_sgd_step if not np.any(velocity) else slip
        return step(param, grad, velocity, learning_rate, momentum, nesterov)
    return answer


@pytest.mark.parametrize("answer, step", [(plain_momentum, 1), (lookahead_along_old_velocity, 1),
                                          (right_first(plain_momentum), 2),
                                          (right_first(lookahead_along_old_velocity), 2)])
def test_a_nesterov_step_without_the_new_velocity_is_named_both_ways(answer, step):
    """w + m (m the new velocity) is w + momentum * velocity - learning_rate * grad with the old one: a Nesterov
    step along the old velocity is the plain momentum step, at every step, so the hint names both."""
    report = report_of(check_sgd_momentum, answer)
    assert "nesterov=True" in report and f"(the new parameter, at step {step})" in report
    assert ("this is the plain momentum step w + m, which is also a look-ahead along the old velocity, "
            "w + momentum * velocity - learning_rate * grad (velocity: the one given); with nesterov=True Keras "
            "looks ahead along the new velocity") in report


def test_another_wrong_nesterov_step_gets_keras_formulas():
    def lookahead_sign_slip(param, grad, velocity, learning_rate, momentum, nesterov):
        new_param, velocity = keras_sgd_step(param, grad, velocity, learning_rate, momentum, nesterov)
        return (new_param + 2 * learning_rate * grad if nesterov else new_param), velocity   # + lr g, not - lr g

    report = report_of(check_sgd_momentum, lookahead_sign_slip)
    assert "nesterov=True" in report and "(the new parameter, at step 1)" in report
    assert ("Keras' SGD: m <- momentum * m - learning_rate * grad, then w <- w + m, or with nesterov=True "
            "w <- w + momentum * m - learning_rate * grad (with the new m)") in report


def test_the_sgd_exercise_states_keras_nesterov_formula():
    root = Path(__file__).resolve().parents[1]
    task = {title: text for title, text, _ in EXERCISES["05"]}["An optimizer step"]
    tutorial = " ".join(line.lstrip("# ").strip() for line in
                        (root / "tutorials" / "05_train_a_toy_model.py").read_text(encoding="utf-8").splitlines())
    page = " ".join((root / "docs" / "exercises.md").read_text(encoding="utf-8").split())
    for text in (task, tutorial, page):
        assert "`m <- momentum * m - learning_rate * grad`, then `w <- w + m`" in text
        assert "Nesterov `w <- w + momentum * m - learning_rate * grad` (with the new `m`)" in text


# ------------------------------------------------------------------------------------------------------- conv1d
def test_a_true_convolution_is_asked_whether_it_flipped_the_kernel():
    def numpy_convolve(x, w, strides):
        return np.convolve(x, w, mode="valid")[::strides]    # NumPy flips w: a convolution, not Keras' correlation

    report = report_of(check_conv1d, numpy_convolve)
    assert "did you flip the kernel? This is the true convolution" in report
    assert "y[i] = sum_t x[i * strides + t] * w[t]" in report


def test_another_wrong_conv1d_is_not_told_it_flipped_the_kernel():
    def twice(x, w, strides):
        return 2 * np.correlate(x, w, mode="valid")[::strides]

    assert "flip" not in report_of(check_conv1d, twice)


# ---------------------------------------------------------------------------------------------- a two-input op
def test_a_backward_returning_one_gradient_for_two_inputs_is_told_in_good_grammar():
    class OneGradient(tg.Function):
        @staticmethod
        def forward(ctx, a, b):
            e = ctx.xp.exp(b)
            ctx.save_for_backward(a, e)
            return a * e

        @staticmethod
        def backward(ctx, grad):
            _, e = ctx.saved_tensors
            return grad * e                                     # the gradient of a only

    report = report_of(check_custom_binary_op, OneGradient)
    assert "your backward returned 1 gradient for 2 inputs (a, b)" in report
    assert "as a tuple (grad_a, grad_b)" in report and "grad=[" in report


def test_every_short_task_gives_the_signature_that_its_tutorial_gives():
    """``EXERCISES`` is what a student reads away from the tutorial: each task names the function to write,
    ``fn(...)`` as the tutorial's exercise cell spells it (or the ``Function`` subclass to write)."""
    root = Path(__file__).resolve().parents[1]
    for number, items in EXERCISES.items():
        (path,) = (root / "tutorials").glob(f"{number}_*.py")
        tutorial = " ".join(line.lstrip("# ").strip() for line in path.read_text(encoding="utf-8").splitlines())
        for title, task, _ in items:
            signature = re.search(r"`(fn\([^`]*\))`", task)
            if signature is None:
                assert "`Function` subclass" in task, (number, title, task)
                continue
            assert f"`{signature.group(1)}`" in tutorial, (number, title, signature.group(1))
