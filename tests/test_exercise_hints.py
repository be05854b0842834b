"""The hints of the exercises' checkers and of gradcheck's report, each tried on a hand-written wrong answer whose
mistake is known (or on PyTorch's own optimizer), so that the hint is shown for that mistake."""
import re
from pathlib import Path

import numpy as np
import pytest
from test_exercises import NumpySiLU, SiluWithoutGrad, solution

import tinygradconv as tg
from tinygradconv.exercises import (
    EXERCISES,
    check_adam_step,
    check_conv1d,
    check_conv1d_input_gradient,
    check_conv1d_kernel_gradient,
    check_conv1d_transpose,
    check_custom_binary_op,
    check_custom_op,
    check_finite_differences,
    check_logsumexp,
    check_manual_gradient,
    check_output_length,
    check_overlap_counts,
    check_portable_relu,
    check_resize_overlap,
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
    assert "use xp = x.__array_namespace__() for every function (xp.exp, not np.exp" in report
    assert "xp.where(x > 0, x, xp.zeros_like(x))" not in report      # the ReLU's answer, quoted to no exercise
    # the booleans are named to the answer that multiplies by them, not to the logsumexp's np.exp
    assert ("arithmetic on them (x * (x > 0)) is refused" in report) == (checker is check_portable_relu)


def test_an_op_failing_on_array_api_strict_gets_the_same_hint_with_ctx_xp():
    pytest.importorskip("array_api_strict", reason="the op fails on array-api-strict arrays only")

    report = report_of(check_custom_op, NumpySiLU)
    assert "use ctx.xp for every function (ctx.xp.exp, not np.exp" in report
    assert re.search(r"\(line \d+: return x \* s\)", report), report  # np.exp returned NumPy; x * s refused it


def test_an_answer_returning_numpy_for_array_api_strict_gets_the_same_hint():
    pytest.importorskip("array_api_strict", reason="np.maximum turns array-api-strict arrays into NumPy ones")
    report = report_of(check_portable_relu, lambda x: np.maximum(x, 0))
    assert "the result is a numpy.ndarray, not an array of the input's namespace (array_api_strict)" in report
    assert "use xp = x.__array_namespace__() for every function (xp.exp, not np.exp" in report


def logsumexp_by_transposes(x):
    """A tester's answer: x.T works on NumPy arrays of any rank, on array-api-strict ones only on 2 dimensions."""
    xp = x.__array_namespace__()
    m = xp.max(x, axis=-1, keepdims=True)
    return xp.log(xp.sum(xp.exp((x.T - m.T).T), axis=-1)) + m[..., 0]


def relu_by_list_index(x):
    """Indexes with a list, which the array API does not allow: an error no hint explains."""
    xp = x.__array_namespace__()
    return xp.where(x > 0, x, xp.zeros_like(x))[list(range(x.shape[0]))]


def logsumexp_by_methods(x):
    xp = x.__array_namespace__()
    m = x.max(axis=-1, keepdims=True)                       # a NumPy method, not the array API's
    return xp.log(xp.sum(xp.exp(x - m), axis=-1)) + m[..., 0]


def test_array_api_strict_errors_get_the_hint_that_explains_them_only():
    """x.T on a 1-dimensional array was told "xp.exp, not np.exp ... x * (x > 0)", which does not apply."""
    pytest.importorskip("array_api_strict", reason="the answers fail on array-api-strict arrays only")
    report = report_of(check_logsumexp, logsumexp_by_transposes)
    assert "x.T requires x to have 2 dimensions" in report
    assert "under the array API, x.T is defined for 2-dimensional arrays only" in report
    assert "xp.permute_dims(x, axes), or xp.matrix_transpose(x)" in report
    assert "np.exp" not in report and "x * (x > 0)" not in report
    report = report_of(check_portable_relu, relu_by_list_index)
    assert "raised IndexError" in report and "backend='array_api_strict'" in report
    assert "np.exp" not in report and "x * (x > 0)" not in report
    report = report_of(check_logsumexp, logsumexp_by_methods)
    assert "array-api-strict arrays have few methods, and x.max is not one: call the namespace's functions" in report
    assert "(xp.max(x, ...) where the array API has one)" in report and "xp.exp, not np.exp" in report

    class SiluByTransposes(tg.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + ctx.xp.exp(-x))
            ctx.save_for_backward(x, s)
            return (x.T * s.T).T

        @staticmethod
        def backward(ctx, grad):
            x, s = ctx.saved_tensors
            return grad * s * (1 + x * (1 - s))

    report = report_of(check_custom_op, SiluByTransposes)
    assert "your op raised ValueError on array-api-strict arrays (x.T requires x to have 2 dimensions" in report
    assert "use ctx.xp.permute_dims(x, axes), or ctx.xp.matrix_transpose(x)" in report
    assert "np.exp" not in report


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
    assert "y[n] = sum_t x[n * strides + t] * w[t]" in report


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


# ------------------------------------------------------------------------------------------ what forward saved
NOTHING_SAVED = "your backward raised while ctx.saved_tensors was empty: your forward saved nothing; did forward call"


class SiluSavesNothing(tg.Function):
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + ctx.xp.exp(-x))                           # forgets ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


class SiluSavesTwice(SiluSavesNothing):
    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + ctx.xp.exp(-x))
        ctx.save_for_backward(x)
        ctx.save_for_backward(s)                                # replaces x: one array saved
        return x * s


class SiluIndexesNothing(SiluSavesNothing):
    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors[0], ctx.saved_tensors[1]       # an IndexError, forward having saved nothing
        return grad * s * (1 + x * (1 - s))


class SiluBackwardRaises(SiluSavesNothing):
    """Saves what backward reads; its backward raises a ValueError of its own."""

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + ctx.xp.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        _, _ = ctx.saved_tensors
        raise ValueError("not enough values to unpack (a message of the student's own)")


def test_a_backward_reading_what_forward_did_not_save_gets_its_line_and_the_hint():
    report = report_of(check_custom_op, SiluSavesNothing)
    assert "the op raised ValueError: not enough values to unpack (expected 2, got 0)" in report
    assert re.search(r"\(line \d+: x, s = ctx.saved_tensors\)", report), report
    assert NOTHING_SAVED + " ctx.save_for_backward(...) with the arrays backward reads?" in report

    report = report_of(check_custom_op, SiluIndexesNothing)
    assert "the op raised IndexError" in report and NOTHING_SAVED in report, report

    report = report_of(check_custom_op, SiluSavesTwice)
    assert re.search(r"\(line \d+: x, s = ctx.saved_tensors\)", report), report
    assert ("your backward unpacks 2 arrays from ctx.saved_tensors, but your forward saved 1: save every array "
            "backward reads in one call, ctx.save_for_backward(a, b, ...)") in report
    assert NOTHING_SAVED not in report


def test_a_two_input_op_that_saved_nothing_gets_the_same_hint():
    class SavesNothing(tg.Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * ctx.xp.exp(b)

        @staticmethod
        def backward(ctx, grad):
            a, e = ctx.saved_tensors
            return grad * e, grad * a * e

    report = report_of(check_custom_binary_op, SavesNothing)
    assert re.search(r"\(line \d+: a, e = ctx.saved_tensors\)", report) and NOTHING_SAVED in report, report


def test_other_ops_are_not_told_about_saved_tensors():
    assert check_custom_op(solution("SiLU"))
    report = report_of(check_custom_op, SiluBackwardRaises)          # raised in backward, everything saved
    assert re.search(r"\(line \d+: raise ValueError", report) and "saved" not in report, report
    assert "saved" not in report_of(check_custom_op, SiluWithoutGrad)   # a wrong gradient, nothing raised

    class AttributesOnly(SiluSavesNothing):                             # saves nothing, reads ctx.s: allowed
        @staticmethod
        def forward(ctx, x):
            ctx.s = 1 / (1 + ctx.xp.exp(-x))
            return x * ctx.s

        @staticmethod
        def backward(ctx, grad):
            raise ValueError("a mistake of the student's own")

    report = report_of(check_custom_op, AttributesOnly)
    assert "the op raised ValueError: a mistake" in report and "saved" not in report, report


@pytest.mark.parametrize("not_a_class", [solution("SiLU")(), lambda x: x * (1 / (1 + np.exp(-x)))])
def test_an_instance_or_a_function_is_not_a_solution_at_all(not_a_class):
    with pytest.raises(TypeError, match="expected a tinygradconv.Function subclass"):
        check_custom_op(not_a_class)
    page = " ".join((Path(__file__).resolve().parents[1] / "docs" / "exercises.md").read_text("utf-8").split())
    assert "raise `TypeError` instead" in page


# ------------------------------------------------------------------------------- Conv1DTranspose output length
def none_as_zero(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    right = solution("transpose_output_length")
    return right(input_length, kernel_size, strides, padding, output_padding or 0, dilation_rate)


def pytorch_length(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
    return (input_length - 1) * strides + dilation_rate * (kernel_size - 1) + (output_padding or 0) + 1


NONE_IS_NOT_ZERO = "output_padding=None is not 0: your lengths are those of output_padding=0"
PYTORCH_FORMULA = "your lengths follow PyTorch's ConvTranspose1d formula"


def test_output_padding_none_taken_as_zero_is_told_so():
    report = report_of(check_output_length, none_as_zero)
    assert "padding='valid', output_padding=None" in report and "expected: 2\n  received: 1" in report
    assert NONE_IS_NOT_ZERO in report and PYTORCH_FORMULA not in report
    assert ("with None, Keras chooses the length itself: it gives each of the L input steps strides output steps "
            'with padding="same"') in report and "max(" not in report       # in words, not the answer's formula


def test_pytorch_length_formula_is_told_how_keras_differs():
    report = report_of(check_output_length, pytorch_length)
    assert PYTORCH_FORMULA in report and NONE_IS_NOT_ZERO not in report
    assert ('with an integer output_padding it is that formula with padding = k_eff // 2 for "same" (0 for '
            '"valid")') in report
    assert "with output_padding=None Keras chooses the length itself: it gives each of the L input steps" in report
    assert "max(" not in report


def test_other_output_lengths_get_neither_hint():
    """A first guess that agrees with both slips on the first failing case, and an answer off by one."""
    right = solution("transpose_output_length")

    def first_guess(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        return (input_length - 1) * strides + kernel_size

    def off_by_one(*args):
        return right(*args) - 1

    for answer in (first_guess, off_by_one):
        report = report_of(check_output_length, answer)
        assert NONE_IS_NOT_ZERO not in report and PYTORCH_FORMULA not in report, report
    assert check_output_length(right)


# ------------------------------------------------------------------------------------ resize-convolution overlap
def resize_overlap_with_left(left_of):
    def fn(input_length, size, kernel_size):
        n, left = input_length * size, left_of(kernel_size)
        return np.array([sum(1 for t in range(kernel_size) if 0 <= i + t - left < n) for i in range(n)])
    return fn


LARGER_HALF_LEFT = "your counts are those of left = kernel_size // 2"


def test_same_padding_with_the_larger_half_on_the_left_is_told_how_keras_splits_it():
    report = report_of(check_resize_overlap, resize_overlap_with_left(lambda k: k // 2))
    assert "input_length=1, size=2, kernel_size=2" in report
    assert "expected: [2, 1] (shape (2,))" in report and "expected 2, received 1" in report     # counts, as integers
    assert ('with an even kernel_size, "same" cannot pad both ends equally: Keras, like TensorFlow, puts the smaller '
            "half on the left, left = (kernel_size - 1) // 2 = 0 zero(s), and the larger half, kernel_size // 2 = 1, "
            "on the right") in report and LARGER_HALF_LEFT in report


def test_other_resize_overlaps_are_not_told_about_the_split():
    assert check_resize_overlap(resize_overlap_with_left(lambda k: (k - 1) // 2))
    def as_if_valid(input_length, size, kernel_size):
        return np.full(input_length * size, kernel_size)      # forgets the ends, where the padding is

    report = report_of(check_resize_overlap, as_if_valid)
    assert "kernel_size=2" in report and LARGER_HALF_LEFT not in report and "cannot pad" not in report


# ---------------------------------------------------------------------------------------------------- Adam step
def adam_with(update):
    """Keras' moments, then ``update(param, m_hat, v_hat, m, v, alpha, learning_rate, epsilon)``."""
    def fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        m = m + (grad - m) * (1 - beta_1)
        v = v + (grad * grad - v) * (1 - beta_2)
        m_hat, v_hat = m / (1 - beta_1 ** iteration), v / (1 - beta_2 ** iteration)
        alpha = learning_rate * np.sqrt(1 - beta_2 ** iteration) / (1 - beta_1 ** iteration)
        return update(param, m_hat, v_hat, m, v, alpha, learning_rate, epsilon), m, v
    return fn


EPSILON_INSIDE = "epsilon is inside the square root: your step divides by"


@pytest.mark.parametrize("update, root", [
    (lambda p, m_hat, v_hat, m, v, alpha, lr, eps: p - lr * m_hat / np.sqrt(v_hat + eps), "sqrt(v_hat + epsilon)"),
    (lambda p, m_hat, v_hat, m, v, alpha, lr, eps: p - alpha * m / np.sqrt(v + eps), "sqrt(v + epsilon)"),
])
def test_adam_with_epsilon_inside_the_square_root_is_told_where_keras_adds_it(update, root):
    report = report_of(check_adam_step, adam_with(update))
    assert f"{EPSILON_INSIDE} {root}; Keras adds epsilon after the square root is taken, to sqrt(v) of the raw v" \
           in report
    assert "learning_rate * sqrt(1 - beta_2 ** iteration)" not in report        # the step size is not handed over
    assert "(the new parameter, at step 1)" in report


def test_other_adam_steps_are_not_told_epsilon_is_inside():
    assert check_adam_step(adam_with(lambda p, m_hat, v_hat, m, v, alpha, lr, eps: p - alpha * m / (np.sqrt(v) + eps)))
    paper = adam_with(lambda p, m_hat, v_hat, m, v, alpha, lr, eps: p - lr * m_hat / (np.sqrt(v_hat) + eps))
    report = report_of(check_adam_step, paper)                     # epsilon on sqrt(v_hat): its own, older hint
    assert EPSILON_INSIDE not in report and "look for where epsilon goes: Keras adds it to sqrt(v)" in report
    no_correction = adam_with(lambda p, m_hat, v_hat, m, v, alpha, lr, eps: p - lr * m / (np.sqrt(v) + eps))
    assert EPSILON_INSIDE not in report_of(check_adam_step, no_correction)


def test_adam_without_bias_correction_is_told_so():
    no_correction = adam_with(lambda p, m_hat, v_hat, m, v, alpha, lr, eps: p - lr * m / (np.sqrt(v) + eps))
    report = report_of(check_adam_step, no_correction)
    assert "no bias correction: m and v start at zeros, so their first values are too small" in report
    assert "(the new parameter, at step 1)" in report


@pytest.mark.parametrize("shift", [1, -1])
def test_adam_with_the_iteration_one_off_is_told_it_counts_from_1(shift):
    """``iteration + 1`` (counting from 0 and adding one too many) fails at step 1; ``iteration - 1`` would divide by
    zero at step 1 (an inf step, no hint), so it is checked from step 2 on, where it gives a finite wrong step."""
    def fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        t = iteration + shift if iteration + shift > 0 else iteration
        m = m + (grad - m) * (1 - beta_1)
        v = v + (grad * grad - v) * (1 - beta_2)
        alpha = learning_rate * np.sqrt(1 - beta_2 ** t) / (1 - beta_1 ** t)
        return param - alpha * m / (np.sqrt(v) + epsilon), m, v

    report = report_of(check_adam_step, fn)
    step = 1 if shift == 1 else 2
    assert f"the bias correction uses iteration {step + shift} at step {step}: iteration counts from 1" in report
    assert f"(the new parameter, at step {step})" in report
    assert "no bias correction" not in report and EPSILON_INSIDE not in report


# ------------------------------------------------- known mistakes: the wrong answer's output, computed and compared
def scatter(values, w, strides, length, flip=False, add=True):
    """``y[j * strides + t] += values[j] * w[t]``; ``flip``: with w reversed; ``add=False``: with ``=``."""
    y = np.zeros(length)
    for j, value in enumerate(values):
        copy = value * (w[::-1] if flip else w)
        if add:
            y[j * strides: j * strides + len(w)] += copy
        else:
            y[j * strides: j * strides + len(w)] = copy
    return y


def transpose(flip=False, add=True):
    return lambda x, w, strides: scatter(x, w, strides, (len(x) - 1) * strides + len(w), flip, add)


def input_gradient(flip=False, add=True):
    return lambda g, w, strides, input_length: scatter(g, w, strides, input_length, flip, add)


@pytest.mark.parametrize("checker, answer", [(check_conv1d_transpose, transpose),
                                             (check_conv1d_input_gradient, input_gradient)])
def test_a_scatter_with_a_flipped_kernel_or_overwritten_copies_is_told_so(checker, answer):
    assert checker(answer())                                 # the right answer passes
    report = report_of(checker, answer(flip=True))
    assert "your values are those of the kernel reversed" in report and "w as given" in report
    assert "overwriting" not in report
    report = report_of(checker, answer(add=False))
    assert "their contributions add up (+=, not =)" in report and "written with `=`" in report
    assert "the kernel reversed" not in report


def test_another_wrong_scatter_gets_neither_hint():
    report = report_of(check_conv1d_transpose, lambda x, w, strides: 2 * transpose()(x, w, strides))
    assert "first difference" in report
    assert "the kernel reversed" not in report and "must be added" not in report


def test_a_logsumexp_without_the_maximum_subtracted_is_told_to_subtract_it():
    def naive(x):
        xp = x.__array_namespace__()
        return xp.log(xp.sum(xp.exp(x), axis=-1))

    def right(x):
        xp = x.__array_namespace__()
        m = xp.max(x, axis=-1, keepdims=True)
        return xp.log(xp.sum(xp.exp(x - m), axis=-1)) + m[..., 0]

    assert check_logsumexp(right)
    with np.errstate(over="ignore", divide="ignore"):
        report = report_of(check_logsumexp, naive)
    assert "received inf" in report and "exp overflowed" in report and "shifting every value by the same constant c" \
        in report and "+ m[..., 0]" not in report
    assert "exp overflowed" not in report_of(check_logsumexp, lambda x: right(x) + 1.0)


def manual_gradient(x, w, b):
    y = np.tanh(x * w + b)
    d = 2 * y * (1 - y ** 2)
    return d * w, d * x, d.sum()


def test_dx_and_dw_swapped_are_told_so():
    assert check_manual_gradient(manual_gradient)
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b)[1::-1] + (manual_gradient(
        x, w, b)[2],))
    assert "dx and dw are swapped" in report and "(in dL/dx)" in report
    report = report_of(check_manual_gradient, lambda x, w, b: tuple(2 * g for g in manual_gradient(x, w, b)))
    assert "swapped" not in report


def test_gradients_read_before_backward_are_told_they_are_none():
    """A tester returned X.grad, W.grad, B.grad without calling backward(): the report said "your function returned
    None: does it end with a `return`?", though it had returned a tuple."""
    def grads_without_backward(x, w, b):
        X, W, B = (tg.tensor(v, dtype="float64", requires_grad=True) for v in (x, w, b))
        (X * W + B).tanh() ** 2                        # the loss, never summed nor back-propagated
        return X.grad, W.grad, B.grad

    report = report_of(check_manual_gradient, grads_without_backward)
    assert "received: (None, None, None)" in report
    assert "dL/dx, dL/dw and dL/db are None" in report and "was backward() called" in report
    assert "requires_grad=True" in report and "does it end with a `return`" not in report

    def db_without_grad(x, w, b):                      # b made without requires_grad: its .grad stays None
        X, W, B = tg.tensor(x, dtype="float64", requires_grad=True), tg.tensor(w, dtype="float64",
                                                                                 requires_grad=True), tg.tensor(b)
        ((X * W + B).tanh() ** 2).sum().backward()
        return X.grad.numpy(), W.grad.numpy(), B.grad

    report = report_of(check_manual_gradient, db_without_grad)
    assert "dL/db is None, not an array of numbers" in report and "dL/dx" not in report.splitlines()[-1]


def central_differences(f, x, eps):
    grad = np.zeros_like(x)
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


@pytest.mark.parametrize("first", [1, -1])
def test_finite_differences_that_never_restore_x_fail_and_are_told_to_restore_it(first):
    def unrestored(f, x, eps):                   # x[i] moved in place, left moved by -first * eps
        grad = np.zeros_like(x)
        for i in range(x.size):
            x[i] += first * eps
            here = f(x)
            x[i] -= 2 * first * eps
            grad[i] = (here - f(x)) / (2 * first * eps)
        return grad

    assert check_finite_differences(central_differences)
    report = report_of(check_finite_differences, unrestored)
    assert "sum(tanh(x)) ** 2" in report                     # the function with cross terms tells it
    assert "each perturbed element must be restored" in report
    assert "restored" not in report_of(check_finite_differences,
                                       lambda f, x, eps: 2 * central_differences(f, x, eps))


def central_differences_with_step(step):
    """Central differences with a step of their own, ignoring the eps given."""
    return lambda f, x, eps: central_differences(f, x, step)


def test_finite_differences_with_a_larger_step_are_told_about_the_step():
    report = report_of(check_finite_differences, central_differences_with_step(1e-2))
    assert "these are central differences with a step of 0.01, not the eps given (1e-05)" in report
    assert "use the eps passed to your function" in report
    report = report_of(check_finite_differences, central_differences_with_step(3e-2))   # not a usual step
    assert "your values are close to the gradient, within 1 %, but not to the tolerance: look for the step" in report
    report = report_of(check_finite_differences, lambda f, x, eps: 2 * central_differences(f, x, eps))
    assert "step" not in report.splitlines()[-1]          # far off: not a matter of the step


def central_differences_into_integers(f, x, eps):
    grad = np.zeros(x.shape, dtype=int)                 # every estimate truncated to its whole part
    for i in range(x.size):
        step = np.zeros_like(x)
        step[i] = eps
        grad[i] = (f(x + step) - f(x - step)) / (2 * eps)
    return grad


def transpose_into_integers(x, w, strides):
    y = np.zeros((len(x) - 1) * strides + len(w), dtype=int)
    for j, value in enumerate(x):
        y[j * strides: j * strides + len(w)] += (value * w).astype(int)
    return y


@pytest.mark.parametrize("checker, answer", [(check_finite_differences, central_differences_into_integers),
                                             (check_conv1d_transpose, transpose_into_integers)])
def test_an_integer_result_is_told_it_was_truncated(checker, answer):
    report = report_of(checker, answer)
    assert "received: [0] (shape (1,))" in report or "received: [0, 0, 0] (shape (3,))" in report, report
    assert "your result is an array of int64 (integers), where the expected values have fractions" in report
    assert "was it made with dtype=int" in report
    assert "int64" not in report_of(check_finite_differences, lambda f, x, eps: 2 * central_differences(f, x, eps))


def test_integer_counts_are_not_told_they_were_truncated():
    report = report_of(check_overlap_counts, lambda n, k, s: np.ones(n * s + k, dtype=int))
    assert "truncated" not in report and "whole part" not in report


def full_transpose_counts(input_length, kernel_size, strides):
    """The counts over the full transposed convolution's (L - 1) s + k steps: Keras' output is longer when s > k."""
    counts = np.zeros((input_length - 1) * strides + kernel_size, dtype=int)
    for j in range(input_length):
        counts[j * strides: j * strides + kernel_size] += 1
    return counts


def test_overlap_counts_over_the_full_length_are_told_keras_output_is_longer():
    report = report_of(check_overlap_counts, full_transpose_counts)
    assert "the shapes differ: expected (2,), received (1,)" in report
    assert "your length, (L - 1) * strides + k = (1 - 1) * 2 + 1 = 1, is the full transposed convolution's" in report
    assert ("when strides > k its output ends with strides - k = 1 more step(s) after the last copy of the kernel, "
            "that no input reaches (count 0)") in report
    report = report_of(check_overlap_counts, lambda n, k, s: np.ones(n * s + k + 5, dtype=int))
    assert "full transposed convolution" not in report


def kernel_gradient(x, g, kernel_size, strides):
    return np.array([sum(g[n] * x[n * strides + t] for n in range(len(g))) for t in range(kernel_size)])


def test_a_reversed_kernel_gradient_is_asked_whether_it_flipped():
    assert check_conv1d_kernel_gradient(kernel_gradient)
    report = report_of(check_conv1d_kernel_gradient, lambda *args: kernel_gradient(*args)[::-1])
    assert "your result is the kernel gradient reversed along the taps: did you flip?" in report
    report = report_of(check_conv1d_kernel_gradient, lambda *args: 2 * kernel_gradient(*args))
    assert "flip" not in report


@pytest.mark.parametrize("factor, which, words", [
    (-1, 0, "your answer is exactly -1 times the expected one: a sign?"),
    (0.5, 1, "your answer is exactly half the expected one: a factor of 2 missing?"),
    (2, 2, "your answer is exactly twice the expected one: a factor of 2 too many?"),
])
def test_a_manual_gradient_off_by_a_constant_factor_is_told_the_factor(factor, which, words):
    def scaled(x, w, b):
        gradients = list(manual_gradient(x, w, b))
        gradients[which] = gradients[which] * factor
        return tuple(gradients)

    report = report_of(check_manual_gradient, scaled)
    assert words in report and f"(in {('dL/dx', 'dL/dw', 'dL/db')[which]})" in report
    assert "exactly" not in report_of(check_manual_gradient, lambda x, w, b: (*manual_gradient(x, w, b)[:2], 0.77))


def _silu_forward(ctx, x):
    s = 1 / (1 + ctx.xp.exp(-x))
    ctx.save_for_backward(x, s)
    return x * s


def _silu_backward(ctx, grad):
    x, s = ctx.saved_tensors
    return grad * s * (1 + x * (1 - s))


class SiLUWithSelf(tg.Function):
    """SiLU written as methods taking ``self`` (no ``@staticmethod``), as an ``nn.Module``'s forward."""

    def forward(self, ctx, x):
        return _silu_forward(ctx, x)

    def backward(self, ctx, grad):
        return _silu_backward(ctx, grad)


class SiLUBackwardWithSelf(tg.Function):
    """The same with a correct ``@staticmethod`` forward, and only the backward taking ``self``."""

    forward = staticmethod(_silu_forward)

    def backward(self, ctx, grad):
        return _silu_backward(ctx, grad)


def test_an_op_without_staticmethod_is_told_to_add_it():
    report = report_of(check_custom_op, SiLUWithSelf)
    assert "missing 1 required positional argument: 'x'" in report
    assert "forward and backward are not @staticmethods" in report and "drop `self`" in report
    report = report_of(check_custom_op, SiLUBackwardWithSelf)
    assert "backward is not a @staticmethod" in report and "SiLUBackwardWithSelf.backward(ctx, ...)" in report
    assert "@staticmethod" not in report_of(check_custom_op, SiluWithoutGrad)


class SiluForwardOnly(tg.Function):
    """No backward: Function's own, which raises a bare NotImplementedError, runs."""

    @staticmethod
    def forward(ctx, x):
        return x / (1 + ctx.xp.exp(-x))


class SiluBackwards(SiluForwardOnly):
    @staticmethod
    def backwards(ctx, grad):                           # misspelled: the engine never calls it
        return grad


class ScaledExpForwardOnly(tg.Function):
    @staticmethod
    def forward(ctx, a, b):
        return a * ctx.xp.exp(b)


class BackwardOnly(tg.Function):
    @staticmethod
    def backward(ctx, grad):
        return grad


def test_an_op_without_backward_or_forward_is_told_to_define_it():
    """The report read "the op raised NotImplementedError: ", with nothing after the colon."""
    for checker, op in ((check_custom_op, SiluForwardOnly), (check_custom_binary_op, ScaledExpForwardOnly)):
        report = report_of(checker, op)
        assert "the op raised NotImplementedError\n" in report, report       # no colon left dangling
        assert "your class defines no backward, so Function's own ran" in report
        assert "define @staticmethod def backward(ctx, grad) in the class" in report
    report = report_of(check_custom_op, SiluBackwards)
    assert "your class has `backwards`: the engine looks for `backward`, spelled exactly so" in report
    report = report_of(check_custom_op, BackwardOnly)
    assert "raised NotImplementedError\n" in report and "your class defines no forward" in report
    assert "define @staticmethod def forward(ctx, x) in the class" in report
    assert "defines no" not in report_of(check_custom_op, SiLUWithSelf)   # a forward taking self: its own hint


class SiluOverflows(tg.Function):
    """SiLU with sigmoid as exp(x) / (1 + exp(x)): right for |x| <= 20, where the random cases are, but nan above
    x = 709.78 (float64), where exp(x) is inf. A tester's answer, which the checker passed."""

    @staticmethod
    def forward(ctx, x):
        e = ctx.xp.exp(x)
        s = e / (1 + e)
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


class SiluOverflowsInFloat32(SiluOverflows):
    """exp(x) capped at exp(700): finite in float64, inf in float32 above x = 88.72."""

    @staticmethod
    def forward(ctx, x):
        e = ctx.xp.exp(ctx.xp.minimum(x, 700.0))
        s = e / (1 + e)
        ctx.save_for_backward(x, s)
        return x * s


class SiluBackwardOverflows(SiluForwardOnly):
    """A stable forward, and a backward with exp(-x), which is inf below x = -709.78."""

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        e = ctx.xp.exp(-x)
        return grad * (1 / (1 + e) + x * e / (1 + e) ** 2)

    @staticmethod
    def forward(ctx, x):
        ctx.save_for_backward(x)
        return x / (1 + ctx.xp.exp(-x))


class SiluStable(tg.Function):
    @staticmethod
    def forward(ctx, x):
        xp = ctx.xp
        e = xp.exp(-xp.abs(x))                          # at most 1: never overflows
        s = xp.where(x >= 0, 1 / (1 + e), e / (1 + e))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * (s + x * s * (1 - s))


class SiluByTanh(SiluStable):
    """sigmoid(x) = (1 + tanh(x / 2)) / 2: exactly 0 at x = -50 (SiLU is -9.6e-21 there), a correct formula."""

    @staticmethod
    def forward(ctx, x):
        s = 0.5 * (1 + ctx.xp.tanh(x / 2))
        ctx.save_for_backward(x, s)
        return x * s


def test_a_silu_that_overflows_at_large_inputs_is_told_where_and_why():
    report = report_of(check_custom_op, SiluOverflows)
    assert report.startswith("check_custom_op (forward, large inputs)")
    assert "your forward gives nan at x = 1000 (float64) where the reference gives 1000.0: exp overflows?" in report
    assert "exp(x) is inf above x = 709.78 in float64" in report
    report = report_of(check_custom_op, SiluOverflowsInFloat32)
    assert "your forward gives nan at x = 100 (float32) where the reference gives 100.0" in report
    assert "exp(x) is inf above x = 88.72 in float32" in report
    report = report_of(check_custom_op, SiluBackwardOverflows)
    assert report.startswith("check_custom_op (backward, large inputs)")
    assert "your backward gives the derivative nan at x = -1000 (float64) where the reference gives 0.0" in report


def test_stable_silus_pass_at_large_inputs():
    assert check_custom_op(SiluStable)
    assert check_custom_op(SiluByTanh)
    assert check_custom_op(solution("SiLU"))          # 1 / (1 + exp(-x)): exp(1000) is inf, and 1 / inf is 0


def test_the_custom_op_report_names_gradchecks_weights_grad_as_it_shows_them():
    report = report_of(check_custom_op, SiluWithoutGrad)
    assert "grad=" in report
    assert "`weights`" not in report
    assert "v the incoming gradient `grad` given above" in report
