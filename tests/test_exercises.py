"""The exercises' checkers: every solution in docs/exercises.md (extracted from its folded block) passes, and the
typical wrong answers fail with a report that names the inputs, the expected and the received values."""
import re
import warnings
from pathlib import Path

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import exercises
from tinygradconv.exercises import (
    check_adam_step,
    check_conv1d,
    check_conv1d_input_gradient,
    check_conv1d_kernel_gradient,
    check_conv1d_transpose,
    check_conv_output_length,
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

PAGE = Path(__file__).resolve().parents[1] / "docs" / "exercises.md"


def solutions():
    """The Python code of every ``<details>`` block of the page."""
    text = PAGE.read_text(encoding="utf-8")
    blocks = re.findall(r"<details>(.*?)</details>", text, flags=re.DOTALL)
    return [re.search(r"```python\n(.*?)```", block, flags=re.DOTALL).group(1) for block in blocks]


def test_every_exercise_has_a_folded_solution_that_passes_its_checker():
    codes = solutions()
    called = set()
    for code in codes:
        names = re.findall(r"^(check_\w+)\(", code, flags=re.MULTILINE)
        assert len(names) == 1, code
        called.add(names[0])
        exec(compile(code, str(PAGE), "exec"), {"__name__": "solution"})  # noqa: S102 - the docs' own solution
    listed = {checker.__name__ for items in exercises.EXERCISES.values() for _, _, checker in items}
    assert called == listed == set(exercises.__all__) - {"EXERCISES"}
    assert sorted(exercises.EXERCISES) == [f"0{i}" for i in range(1, 10)]


def solution(name):
    """The solution function (or class) named ``name`` from the docs page."""
    for code in solutions():
        namespace = {"__name__": "solution"}
        if re.search(rf"^(def|class) {name}\b", code, flags=re.MULTILINE):
            exec(compile(code.split("\ncheck_")[0], str(PAGE), "exec"), namespace)  # noqa: S102 - the docs' solution
            return namespace[name]
    raise LookupError(name)


def fails(checker, fn, *expected_in_report):
    with pytest.raises(AssertionError) as info:
        checker(fn)
    report = str(info.value)
    for needed in ("inputs:", *expected_in_report):
        assert needed in report, report
    if "raised" not in report:
        assert "expected:" in report and "received:" in report, report
    return report


# ------------------------------------------------------------------------------------------------ wrong answers
class SiluWithoutGrad(tg.Function):
    """SiLU whose backward forgets the incoming gradient (a student's slip)."""

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + ctx.xp.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return s * (1 + x * (1 - s))                     # forgets the incoming gradient


class NumpySiLU(tg.Function):
    """SiLU whose forward calls ``np.exp`` where the exercise asks for ``ctx.xp.exp`` (fails on array-api-strict)."""

    @staticmethod
    def forward(ctx, x):
        s = 1 / (1 + np.exp(-x))
        ctx.save_for_backward(x, s)
        return x * s

    @staticmethod
    def backward(ctx, grad):
        x, s = ctx.saved_tensors
        return grad * s * (1 + x * (1 - s))


class ScaledExpForward(tg.Function):
    """The forward of the custom binary op ``a * exp(b)``; the tests give it a wrong backward each."""

    @staticmethod
    def forward(ctx, a, b):
        e = ctx.xp.exp(b)
        ctx.save_for_backward(a, e)
        return a * e


def test_output_length_wrong_answers():
    right = solution("transpose_output_length")

    def off_by_one(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        return right(input_length, kernel_size, strides, padding, output_padding, dilation_rate) - 1

    def ignores_output_padding(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        return right(input_length, kernel_size, strides, padding, None, dilation_rate)

    def none_as_zero(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        return right(input_length, kernel_size, strides, padding, output_padding or 0, dilation_rate)

    def ignores_dilation(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
        return right(input_length, kernel_size, strides, padding, output_padding, 1)

    report = fails(check_output_length, off_by_one, "input_length=1, kernel_size=1, strides=1")
    assert "expected: 1" in report and "received: 0" in report
    report = fails(check_output_length, ignores_output_padding, "output_padding=0")
    # L = 1, k = 1, s = 1, valid, output_padding=0: (1-1)*1 + 1 + 0 = 1 ... first difference needs s > k: by hand
    # L=1, k=1, s=2, valid, output_padding=0: length 0*2 + 1 + 0 = 1, while None gives max(1, 2) = 2
    assert "strides=2" in report and "expected: 1" in report and "received: 2" in report
    report = fails(check_output_length, none_as_zero, "output_padding=None")
    assert "strides=2" in report and "expected: 2" in report and "received: 1" in report
    fails(check_output_length, ignores_dilation, "dilation_rate=2")
    fails(check_output_length, lambda *args: 3.0, "not an integer")
    fails(check_output_length, lambda *args: True, "a bool (True/False), not an integer")   # a tester's slip


def test_conv1d_transpose_wrong_answers():
    right = solution("conv1d_transpose")
    fails(check_conv1d_transpose, lambda x, w, strides: right(x, w[::-1], strides), "first difference at index")
    report = fails(check_conv1d_transpose, lambda x, w, strides: right(x, w, strides)[:-1], "the shapes differ")
    x_values = re.search(r"x=\[(.*?)\]", report).group(1)
    assert x_values                                          # the inputs are printed
    fails(check_conv1d_transpose, lambda x, w, strides: np.convolve(x, w), "strides=")        # ignores the stride

    def keras_valid_length(x, w, strides):       # tutorial 3's table, (L - 1) s + max(k, s): a zero tail if s > k
        y = np.zeros((len(x) - 1) * strides + max(len(w), strides))
        for j, value in enumerate(x):
            y[j * strides: j * strides + len(w)] += value * w
        return y

    # the first case with s > k: L = 2, k = 1, s = 2, full length (2 - 1) * 2 + 1 = 3, Keras' valid one 4
    fails(check_conv1d_transpose, keras_valid_length, "strides=2", "expected (3,), received (4,)",
          "(L - 1) * strides + k = (2 - 1) * 2 + 1 = 3", "(L - 1) * strides + max(k, strides) = 4",
          "Keras' padding=\"valid\" output")
    report = fails(check_conv1d_transpose, lambda x, w, strides: right(x, w, strides)[:-1], "the shapes differ",
                   "(L - 1) * strides + k")
    assert "Keras' padding" not in report                    # that note is for Keras' length only
    report = fails(check_conv1d_transpose, lambda x, w, strides: x.undefined_attribute, "raised AttributeError")
    assert "x.undefined_attribute" in report


def test_conv_output_length_and_conv1d_wrong_answers():
    right = solution("conv_output_length")
    fails(check_conv_output_length,
          lambda input_length, kernel_size, strides, padding, dilation_rate:
          right(input_length, kernel_size, strides, padding, 1), "dilation_rate=2")
    fails(check_conv_output_length,
          lambda input_length, kernel_size, strides, padding, dilation_rate:
          right(input_length, kernel_size, strides, "valid", dilation_rate), "padding='same'")

    def tutorial_formula(input_length, kernel_size, strides, padding, dilation_rate):     # no clamp at 0
        k_eff = (kernel_size - 1) * dilation_rate + 1
        return (input_length - k_eff) // strides + 1 if padding == "valid" else -(-input_length // strides)

    def ignores_the_stride(input_length, kernel_size, strides, padding, dilation_rate):   # no clamp either
        return tutorial_formula(input_length, kernel_size, 1, padding, dilation_rate)

    # k_eff = (2 - 1) * 2 + 1 = 3 > L = 1: no window fits, length 0; the formula gives (1 - 3) // 1 + 1 = -1
    report = fails(check_conv_output_length, tutorial_formula,
                   "input_length=1, kernel_size=2, strides=1, padding='valid', dilation_rate=2",
                   "a length cannot be negative", "k_eff = (k - 1) d + 1 = 3", "clamp it, max(0, ...)")
    assert "expected: 0" in report and "received: -1" in report
    # the ordinary cases come first: L = 2, k = 1, s = 2 gives floor(1 / 2) + 1 = 1 window, not 2
    report = fails(check_conv_output_length, ignores_the_stride,
                   "input_length=2, kernel_size=1, strides=2, padding='valid', dilation_rate=1")
    assert "expected: 1" in report and "received: 2" in report and "clamp" not in report
    right_conv = solution("conv1d")
    fails(check_conv1d, lambda x, w, strides: right_conv(x, w[::-1], strides), "first difference")


def test_manual_gradient_wrong_answer():
    def forgets_tanh_derivative(x, w, b):
        y = np.tanh(x * w + b)
        return 2 * y * w, 2 * y * x, (2 * y).sum()

    fails(check_manual_gradient, forgets_tanh_derivative, "in dL/dx", "b=")
    fails(check_manual_gradient, lambda x, w, b: (w, x), "expected a tuple of three gradients")


def test_custom_op_wrong_answers():
    class WrongBackward(tg.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + ctx.xp.exp(-x))
            ctx.save_for_backward(s)
            return x * s

        @staticmethod
        def backward(ctx, grad):
            (s,) = ctx.saved_tensors
            return grad * s                                  # forgets the x * s * (1 - s) term

    class WrongForward(tg.Function):
        @staticmethod
        def forward(ctx, x):
            return x / (1 + ctx.xp.exp(-x)) + 1e-3

        @staticmethod
        def backward(ctx, grad):
            return grad

    fails(check_custom_op, WrongBackward, "backward", "gradcheck")
    fails(check_custom_op, WrongForward, "forward", "first difference")
    with pytest.raises(TypeError, match="Function subclass"):
        check_custom_op(lambda x: x)
    assert check_custom_op(solution("SiLU"))


def test_sgd_wrong_answers():
    def no_nesterov(param, grad, velocity, learning_rate, momentum, nesterov):
        velocity = momentum * velocity - learning_rate * grad
        return param + velocity, velocity

    def no_momentum(param, grad, velocity, learning_rate, momentum, nesterov):
        return param - learning_rate * grad, velocity

    fails(check_sgd_momentum, no_nesterov, "nesterov=True")
    fails(check_sgd_momentum, no_momentum, "momentum=0.5", "the new velocity, at step 1")


def test_logsumexp_wrong_answers():
    def overflows(x):
        xp = x.__array_namespace__()
        return xp.log(xp.sum(xp.exp(x), axis=-1))

    def numpy_only(x):
        m = np.max(x, axis=-1, keepdims=True)
        return np.log(np.sum(np.exp(x - m), axis=-1)) + m[..., 0]

    def last_axis_is_axis_1(x):                            # the 2-D answer: right on 2-D inputs only
        xp = x.__array_namespace__()
        m = xp.max(x, axis=1, keepdims=True)
        return xp.log(xp.sum(xp.exp(x - m), axis=1)) + m[:, 0]

    def vectors_and_matrices(x):                           # 1-D as a row; axis 1 of a 3-D array is not the last
        return last_axis_is_axis_1(x[None, :])[0] if x.ndim == 1 else last_axis_is_axis_1(x)

    fails(check_logsumexp, overflows, "inf")
    fails(check_logsumexp, last_axis_is_axis_1, "raised", "(shape (3,))", "x has 1 dimension here",
          "reduce the last axis, axis=-1")
    report = fails(check_logsumexp, vectors_and_matrices, "the shapes differ", "x has 3 dimensions here")
    assert re.search(r"x=.*\(shape \(\d, \d, \d\)\)", report), report
    # the reference on a 1-D and a 3-D array, against log(sum(exp)) computed directly (small values: no overflow)
    logsumexp = solution("logsumexp")
    assert np.allclose(logsumexp(np.array([0.0, np.log(3.0)])), np.log(4.0))
    cube = np.arange(12.0).reshape(2, 3, 2) / 10
    assert np.allclose(logsumexp(cube), np.log(np.exp(cube).sum(axis=-1)))
    pytest.importorskip("array_api_strict", reason="the NumPy-only answer fails on array-api-strict arrays")
    fails(check_logsumexp, numpy_only, "backend='array_api_strict'")


def test_a_function_returning_none_is_told_so():
    """A forgotten ``return``: the report says None was returned, not that the shapes differ."""
    def forgets(*args):
        pass

    for check in (check_conv1d_transpose, check_overlap_counts, check_conv1d_input_gradient):
        with pytest.raises(AssertionError, match="your function returned None") as info:
            check(forgets)
        assert "shapes differ" not in str(info.value)
    with pytest.raises(AssertionError, match="your function returned None"):
        check_output_length(forgets)


def test_overlap_counts_are_reported_as_integers():
    def one_short(input_length, kernel_size, strides):      # the last step's count is one too low
        counts = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=int)
        for j in range(input_length):
            counts[j * strides: j * strides + kernel_size] += 1
        counts[-1] -= 1
        return counts

    with pytest.raises(AssertionError) as info:
        check_overlap_counts(one_short)
    report = str(info.value)
    # L=1, k=1, s=1: one output step reached once; the function says 0
    assert "expected: [1] (shape (1,))" in report
    assert "expected 1, received 0" in report and "1." not in report.split("inputs:")[1]


def test_overlap_and_input_gradient_wrong_answers():
    def uniform(input_length, kernel_size, strides):
        return np.full((input_length - 1) * strides + max(kernel_size, strides), kernel_size // strides)

    fails(check_overlap_counts, uniform, "kernel_size=1")
    right = solution("conv1d_input_gradient")
    fails(check_conv1d_input_gradient, lambda g, w, strides, input_length: right(g, w[::-1], strides, input_length),
          "first difference")

    def too_short(g, w, strides, input_length):               # forgets the steps the stride never reached
        return right(g, w, strides, (len(g) - 1) * strides + len(w))

    fails(check_conv1d_input_gradient, too_short, "the shapes differ")


def test_finite_differences_wrong_answers():
    def one_sided(f, x, eps):
        grad = np.zeros_like(x)
        for i in range(x.size):
            step = np.zeros_like(x)
            step[i] = eps
            grad[i] = (f(x + step) - f(x)) / eps
        return grad

    def no_half(f, x, eps):
        return 2 * solution("central_differences")(f, x, eps)

    fails(check_finite_differences, one_sided, "f=<f(x) = ", "eps=1e-05")
    fails(check_finite_differences, no_half, "first difference")


def test_custom_binary_op_wrong_answer():
    class Swapped(ScaledExpForward):
        @staticmethod
        def backward(ctx, grad):
            a, e = ctx.saved_tensors
            return grad * a * e, grad * e                    # the two gradients swapped

    fails(check_custom_binary_op, Swapped, "backward", "a=", "b=")
    assert check_custom_binary_op(solution("ScaledExp"))


def test_adam_wrong_answers():
    def no_bias_correction(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        m = m + (grad - m) * (1 - beta_1)
        v = v + (grad * grad - v) * (1 - beta_2)
        return param - learning_rate * m / (np.sqrt(v) + epsilon), m, v

    def iteration_from_zero(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        return solution("adam_step")(param, grad, m, v, iteration + 1, learning_rate, beta_1, beta_2, epsilon)

    fails(check_adam_step, no_bias_correction, "iteration=1", "at step 1")
    fails(check_adam_step, iteration_from_zero, "iteration=1")


def test_portable_relu_wrong_answers():
    fails(check_portable_relu, lambda x: x * (x > 0) + 0.5 * (x == 0), "x=")     # wrong at 0: 0.5
    fails(check_portable_relu, lambda x: (x > 0) * 1, "dtype")                   # a mask, not the values
    pytest.importorskip("array_api_strict", reason="the NumPy-only answer fails on array-api-strict arrays")
    fails(check_portable_relu, lambda x: np.maximum(x, 0), "backend='array_api_strict'")


def test_resize_overlap_and_kernel_gradient_wrong_answers():
    def as_if_valid(input_length, size, kernel_size):
        return np.full(input_length * size, kernel_size)       # forgets the ends, where the padding is

    fails(check_resize_overlap, as_if_valid, "kernel_size=2")
    right = solution("conv1d_kernel_gradient")
    fails(check_conv1d_kernel_gradient,
          lambda x, g, kernel_size, strides: right(x, g, kernel_size, strides)[::-1], "first difference")
    fails(check_conv1d_kernel_gradient,
          lambda x, g, kernel_size, strides: right(x, g, kernel_size, 1), "strides=2")


# ------------------------------------------------------------------ found by a student's and a teacher's pass
def test_checkers_refuse_what_the_exercises_forbid_and_explain_identical_printouts():
    """The SiLU checker passed a forward written with np.exp (the exercise says ctx.xp only); the momentum checker
    passed PyTorch's velocity convention; a backward without ``grad *`` printed the same expected and received
    values (the incoming gradient was all ones); a float32 answer was refused with identical printouts."""
    pytest.importorskip("array_api_strict", reason="array-api-strict shows NumPy calls in an op (a dev dependency)")

    fails(check_custom_op, NumpySiLU, "raised TypeError on array-api-strict arrays", "ctx.xp")
    with pytest.raises(AssertionError) as info:
        check_custom_op(SiluWithoutGrad)
    report = str(info.value)
    expected, received = (re.search(rf"{k}: (.*)", report).group(1) for k in ("expected", "received"))
    assert expected != received and "grad=[" in report

    def torch_velocity(param, grad, velocity, learning_rate, momentum, nesterov):
        velocity = momentum * velocity + grad                # PyTorch's convention: the parameter still matches
        step = grad + momentum * velocity if nesterov else velocity
        return param - learning_rate * step, velocity

    def float32_result(param, grad, velocity, learning_rate, momentum, nesterov):
        new_param, new_velocity = solution("sgd_step")(param, grad, velocity, learning_rate, momentum, nesterov)
        return np.asarray(new_param, np.float32), new_velocity

    fails(check_sgd_momentum, torch_velocity, "the new velocity", "learning rate and sign included")
    fails(check_sgd_momentum, float32_result, "your result is float32", "compute in float64")


# ------------------------------------------------------------------------------- found by a second student's pass
def fft_correlate(x, w, strides):
    """The valid cross-correlation through an FFT: right in its real part, complex in its dtype."""
    n = len(x) + len(w) - 1
    full = np.fft.ifft(np.fft.fft(x, n) * np.fft.fft(w[::-1], n))
    return full[len(w) - 1:len(x)][::strides]


def test_a_complex_result_is_refused_whatever_its_imaginary_part():
    """``np.asarray(..., float64)`` dropped the imaginary part with only a ComplexWarning, so ``+ 5j`` passed."""
    def plus_5j(x, w, strides):
        return np.correlate(x, w, "valid")[::strides] + 5j

    report = fails(check_conv1d, plus_5j, "your result is complex (complex128)", "any complex dtype is refused",
                   "largest imaginary part is 5,", "`result.real` would only hide an error")
    assert "ComplexWarning" not in report
    report = fails(check_conv1d, fft_correlate, "your result is complex", "within rounding noise",
                   "return `result.real`")
    assert check_conv1d(lambda x, w, strides: fft_correlate(x, w, strides).real)      # the fix the report gives
    right = solution("gradients")
    fails(check_manual_gradient, lambda x, w, b: tuple(np.asarray(g) + 0j for g in right(x, w, b)),
          "your result is complex", "largest imaginary part is 0,", "(in dL/dx)")


def keras_adam_moments(param, grads, learning_rate, beta_1, beta_2, epsilon):
    """Keras' own Adam (on torch) after ``len(grads)`` steps from ``param``: its m and v, in float64."""
    from helpers import keras_on_torch

    keras = keras_on_torch("Keras' Adam is the reference for the moments m and v")
    variable = keras.Variable(np.asarray(param), dtype="float64")
    optimizer = keras.optimizers.Adam(learning_rate=learning_rate, beta_1=beta_1, beta_2=beta_2, epsilon=epsilon)
    for grad in grads:
        optimizer.apply([keras.ops.convert_to_tensor(np.asarray(grad), dtype="float64")], [variable])
    m, v = (keras.ops.convert_to_numpy(slot).astype(np.float64) for slot in
            (optimizer._momentums[0], optimizer._velocities[0]))
    return m, v


def test_adam_checks_the_returned_moments_against_keras():
    """Only the parameter was compared: returning the bias-corrected moments, or m and v swapped, passed step 1
    and failed at step 2 with a message about the parameter."""
    right = solution("adam_step")
    calls = []

    def corrected_state(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        calls.append((param, grad, learning_rate, beta_1, beta_2, epsilon))
        new_param, m, v = right(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)
        return new_param, m / (1 - beta_1 ** iteration), v / (1 - beta_2 ** iteration)

    def swapped(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        new_param, m, v = right(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)
        return new_param, v, m

    def wrong_v(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):   # forgets the square
        new_param, m, _ = right(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)
        return new_param, m, v + (grad - v) * (1 - beta_2)

    report = fails(check_adam_step, corrected_state, "the new m, at step 1", "bias-corrected m_hat",
                   "the raw moving average m")
    param, grad, *hyper = calls[-1]
    keras_m, _ = keras_adam_moments(param, [grad], *hyper)
    index, expected = re.search(r"first difference at index \((\d+),\): expected (\S+),", report).groups()
    assert float(expected) == pytest.approx(keras_m[int(index)], rel=1e-12)
    assert float(expected) != pytest.approx(grad[int(index)])        # Keras' m is not the corrected m_hat = grad
    fails(check_adam_step, swapped, "the new m, at step 1", "m and v are swapped")
    fails(check_adam_step, wrong_v, "the new v, at step 1", "v <- beta_2 * v + (1 - beta_2) * grad ** 2")


def test_the_adam_checker_compares_the_moments_with_keras_at_every_step():
    """An m off by 1e-4 (relative) at step 3 only is caught at step 3, against Keras' m after three steps."""
    right = solution("adam_step")
    calls = []

    def slips_at_step_3(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        calls.append((param, grad, learning_rate, beta_1, beta_2, epsilon))
        new_param, m, v = right(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)
        return new_param, m * (1 + 1e-4) if iteration == 3 else m, v

    report = fails(check_adam_step, slips_at_step_3, "the new m, at step 3", "iteration=3")
    assert len(calls) == 3                                      # the first case, stopped at its third step
    keras_m, _ = keras_adam_moments(calls[0][0], [c[1] for c in calls], *calls[0][2:])
    index, expected = re.search(r"first difference at index \((\d+),\): expected (\S+),", report).groups()
    assert float(expected) == pytest.approx(keras_m[int(index)], rel=1e-12)



def test_a_float32_adam_step_with_keras_formula_gets_the_dtype_note_not_a_formula_hint():
    """Keras' formula computed in float32 (or computed in float64 and cast) was refused on m with the hint "Keras'
    first moment is m <- beta_1 * m + ...": a formula hint for the right formula. The note on float32 says what
    to change; a float32 answer with a wrong formula still gets the formula hint."""
    right = solution("adam_step")

    def in_float32(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        arrays = (np.asarray(a, np.float32) for a in (param, grad, m, v))
        return tuple(np.asarray(r, np.float32) for r in right(*arrays, iteration, learning_rate, beta_1, beta_2,
                                                              epsilon))

    def cast_to_float32(*args):
        return tuple(np.asarray(r, np.float32) for r in right(*args))

    def float32_minus_grad(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):   # a sign slip
        new_param, _, new_v = in_float32(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)
        return new_param, np.asarray(beta_1 * m - (1 - beta_1) * grad, np.float32), new_v

    for fn in (in_float32, cast_to_float32):
        report = fails(check_adam_step, fn, "your result is float32", "compute in float64")
        assert "Keras' first moment" not in report and "Keras' second moment" not in report, report
    report = fails(check_adam_step, float32_minus_grad, "the new m, at step 1",
                   "m <- beta_1 * m + (1 - beta_1) * grad")
    assert "float32" not in report, report


def test_a_complex_adam_moment_gets_the_complex_refusal_only_and_no_warning():
    """A complex v with a zero imaginary part was refused, then diagnosed as "Keras' second moment is v <- ...",
    and the diagnosis leaked NumPy's ComplexWarning when it cast that v to float."""
    right = solution("adam_step")

    def complex_v(*args):
        new_param, m, v = right(*args)
        return new_param, m, v + 0j

    def wrong_m_complex_v(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon):
        new_param, _, new_v = right(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)
        return new_param, beta_1 * m - (1 - beta_1) * grad, new_v + 0j          # m: a sign slip

    with warnings.catch_warnings():
        warnings.simplefilter("error")                          # no ComplexWarning (nor any other) leaks
        report = fails(check_adam_step, complex_v, "the new v, at step 1", "your result is complex (complex128)",
                       "within rounding noise")
        assert "Keras' second moment" not in report and "v <-" not in report, report
        fails(check_adam_step, wrong_m_complex_v, "the new m, at step 1", "m <- beta_1 * m + (1 - beta_1) * grad")

def gradcheck_numbers(report):
    """(input, index, analytic, numeric) from the gradcheck part of a backward report."""
    found = re.search(r"worst mismatch at input (\d+), index \((\d+),\): analytic=(\S+), numeric=(\S+),", report)
    return int(found.group(1)), int(found.group(2)), float(found.group(3)), float(found.group(4))


def shown_array(report, key):
    """The values of ``key=[...]`` in a report's inputs, or of the ``expected:``/``received:`` line."""
    text = re.search(rf"{key}[=:] ?\(?\[(.*?)\]", report).group(1)
    return np.array([float(v) for v in text.split(",")])


def test_custom_op_backward_reports_one_incoming_gradient():
    """The table used the `grad` shown; the gradcheck text used its own hidden random weights, so the same element
    had two different 'expected' values. Now both use the `grad` shown; the reference is torch's SiLU."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference of the gradient in the report")

    with pytest.raises(AssertionError) as info:
        check_custom_op(SiluWithoutGrad)
    report = str(info.value)
    x = np.array([0.0, -20.0, 20.0, 1e-3])                   # the first case: the checker's fixed special values
    assert np.allclose(shown_array(report, "x"), x)
    g = shown_array(report, "grad")
    t = torch.tensor(x, requires_grad=True)
    (torch.nn.functional.silu(t) * torch.tensor(g)).sum().backward()
    _, index, analytic, numeric = gradcheck_numbers(report)
    assert numeric == pytest.approx(t.grad[index].item(), rel=1e-6)          # the table's expected, not another
    assert np.allclose(shown_array(report, "expected"), t.grad.numpy(), rtol=1e-4, atol=1e-12)
    sigma = 1 / (1 + np.exp(-x[index]))
    assert analytic == pytest.approx(sigma * (1 + x[index] * (1 - sigma)), rel=1e-12)   # the received value
    assert "with the same `grad`" in report


def test_custom_binary_op_backward_reports_one_incoming_gradient():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference of the gradient in the report")

    class NoGrad(ScaledExpForward):
        @staticmethod
        def backward(ctx, grad):
            a, e = ctx.saved_tensors
            return e, a * e                                   # forgets the incoming gradient

    calls = []

    class Recording(NoGrad):
        @staticmethod
        def forward(ctx, a, b):
            calls.append((np.array(a), np.array(b)))
            return NoGrad.forward(ctx, a, b)

    with pytest.raises(AssertionError) as info:
        check_custom_binary_op(Recording)
    report = str(info.value)
    a, b = calls[0]
    g = shown_array(report, "grad")
    ta, tb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    (ta * tb.exp() * torch.tensor(g)).sum().backward()
    which, index, analytic, numeric = gradcheck_numbers(report)
    reference = (ta, tb)[which].grad[index].item()
    assert numeric == pytest.approx(reference, rel=1e-6)
    mine = (np.exp(b), a * np.exp(b))[which][index]
    assert analytic == pytest.approx(mine, rel=1e-12)
    assert "input 0 is a, input 1 is b" in report


def test_small_difference_hints_belong_to_the_checker():
    """Values that print the same got one hint for every checker ('an epsilon's place, a bias correction, the
    order of two factors'), even for finite differences, where no bias correction exists."""
    def one_sided(f, x, eps):                                # forward: error eps * f''/2
        return np.array([(f(x + e) - f(x)) / eps for e in np.eye(x.size) * eps])

    def backward_sided(f, x, eps):
        return np.array([(f(x) - f(x - e)) / eps for e in np.eye(x.size) * eps])

    def own_step(f, x, eps):                                 # central, with a step 120 times the one given
        return solution("central_differences")(f, x, 1.2e-3)

    for fn, side in ((one_sided, "forward"), (backward_sided, "backward")):
        report = fails(check_finite_differences, fn, f"one-sided ({side}) differences", "O(eps)", "O(eps^2)")
        assert "bias correction" not in report
    report = fails(check_finite_differences, own_step, "agree to the digits shown", "a step other than the eps given")
    assert "bias correction" not in report and "one-sided (" not in report

    def through_float32(x, w, strides):                      # right formula, float32 on the way, float64 returned
        return solution("conv1d")(x.astype(np.float32), w.astype(np.float32), strides).astype(np.float64)

    report = fails(check_conv1d, through_float32, "agree to the digits shown", "a step computed in float32")
    assert "bias correction" not in report

    def bias_in_float32(x, w, b):          # a tester's slip (b a float32 tensor), by hand: dL/db rounded to float32
        y = np.tanh(x * w + b)
        dz = 2 * y * (1 - y ** 2)
        return dz * w, dz * x, np.float64(np.sum(dz.astype(np.float32), dtype=np.float32))

    report = fails(check_manual_gradient, bias_in_float32, "agree to the digits shown",
                   "your values are float32 numbers (each is exactly a float32 number, though the array is float64)",
                   "look for a step computed in float32 along the way",
                   "without dtype='float64', is float32)")


def test_portable_relu_is_compared_exactly():
    """A leaky ReLU of slope 1e-10 passed (|1e-10 x| is under the absolute tolerance 1e-9); max(x, 0) selects
    values, so every correct float64 answer is exact and the comparison can be too."""
    def leaky(slope):
        def fn(x):
            xp = x.__array_namespace__()
            return xp.where(x > 0, x, slope * x)
        return fn

    report = fails(check_portable_relu, leaky(1e-10), "first difference at index (0,): expected 0.0, received -1e-10")
    assert "x=[-1.,  0.,  2., -0.]" in report

    def maximum(x):
        xp = x.__array_namespace__()
        return xp.maximum(x, xp.zeros_like(x))

    def clip(x):
        xp = x.__array_namespace__()
        return xp.clip(x, 0, None)                         # an integer bound: 0.0 would make integers floats

    for correct in (maximum, clip, solution("relu")):
        assert check_portable_relu(correct)


def test_portable_relu_keeps_the_dtype_of_float32_and_integer_arrays_of_any_rank():
    """The exercise asks to keep the dtype: answers that return float64 whatever x is, or divide (integers become
    floats), passed while only float64 vectors were tried."""
    def always_float64(x):
        xp = x.__array_namespace__()
        return xp.astype(xp.where(x > 0, x, xp.zeros_like(x)), xp.float64)

    def half_sum(x):                                       # right for floats; for integers / makes floats
        xp = x.__array_namespace__()
        return (x + xp.abs(x)) / 2

    def float_zero_bound(x):
        xp = x.__array_namespace__()
        return xp.clip(x, 0.0, None)

    def vectors_only(x):                                   # right for 1-D arrays only
        xp = x.__array_namespace__()
        return xp.stack([xp.where(x[i] > 0, x[i], xp.zeros_like(x[i])) for i in range(x.shape[0])])

    report = fails(check_portable_relu, always_float64, "dtype='float32'",
                   "the dtype changed: x is float32, your result is float64", "xp.zeros_like(x)")
    assert "expected: [0.] (shape (1,))" in report                        # relu(-0.1321...) = 0, as float32
    report = fails(check_portable_relu, half_sum, "dtype='int64'", "the dtype changed: x is int64, your result is "
                   "float64", "a division (/ 2) or a float constant (0.0) turns integers into floats")
    assert "x=[-2] (shape (1,))" in report and "expected: [0] (shape (1,))" in report     # max(-2, 0) = 0
    fails(check_portable_relu, float_zero_bound, "the dtype changed: x is int64")
    report = fails(check_portable_relu, vectors_only, "x=[[")                              # a 2-D case
    for dtype in ("float64", "float32", "int64"):                        # every correct answer keeps each dtype
        x = np.array([[-3, 0], [2, -1]], dtype=dtype)
        result = solution("relu")(x)
        assert result.dtype == dtype and result.tolist() == [[0, 0], [2, 0]]
