"""Hints for students' slips that raised inside their own code or got no hint (a tester's round): each wrong answer
is written out as a student wrote it; the report must keep the error's own message and name the slip. The lengths
and values in the assertions are worked out by hand from the case shown, or by PyTorch."""
import numpy as np
import pytest
from test_exercise_hints import report_of
from test_exercises import ScaledExpForward, SiluWithoutGrad, solution

import tinygradconv as tg
from tinygradconv.exercises import (
    check_conv1d,
    check_conv1d_input_gradient,
    check_conv1d_kernel_gradient,
    check_conv1d_transpose,
    check_custom_binary_op,
    check_custom_op,
    check_finite_differences,
    check_logsumexp,
    check_manual_gradient,
    check_overlap_counts,
    check_resize_overlap,
)

SCATTERS = "the transposed convolution goes the other way, it scatters"
SHORT_Y = "is your y as long as the output"
COUNTS_NEED_INTEGERS = "a bool array cannot count, counts need an integer array: np.zeros(n, dtype=int)"
MARKED = "your counts are 1 wherever a step is reached at all: each step was marked reached"
KEEPDIMS = "yours is the right number in an array of shape (1,): the sum is right, its shape is not"


def raised(checker, answer):
    """The report of ``checker`` on ``answer`` and the error the answer raised (the report's cause)."""
    with pytest.raises(AssertionError) as info:
        checker(answer)
    return str(info.value), info.value.__cause__


# --------------------------------------------------- tutorial 03: a gather over the transposed output's length
def transpose_by_gathering(x, w, strides):
    """The output of the right length, each step gathering a window of x, as conv1d does: reads x past its end."""
    n = (len(x) - 1) * strides + len(w)
    y = np.zeros(n)
    for i in range(n):
        y[i] = sum(x[i * strides + t] * w[t] for t in range(len(w)))
    return y


def test_a_transpose_gathering_over_the_output_length_is_told_the_output_is_longer_than_x():
    report, cause = raised(check_conv1d_transpose, transpose_by_gathering)
    assert isinstance(cause, IndexError)                                        # the student's own error, kept
    assert "your function raised IndexError: index 2 is out of bounds for axis 0 with size 2" in report
    assert "x=[-0.1321 ,  0.64042] (shape (2,)), w=[0.1049] (shape (1,)), strides=2" in report
    assert "(line " in report and "x[i * strides + t]" in report                # the student's line
    # by hand: L = 2, strides 2, k = 1: (2 - 1) * 2 + 1 = 3 output steps, and x has 2
    assert "(L - 1) * strides + k = (2 - 1) * 2 + 1 = 3 output steps, more than the L = 2 values of x" in report
    assert SCATTERS in report and "start from 3 zeros and loop over the inputs" in report


def test_torch_agrees_on_the_transposed_output_length_the_hint_gives():
    torch = pytest.importorskip("torch")
    out = torch.nn.functional.conv_transpose1d(torch.ones(1, 1, 2), torch.ones(1, 1, 1), stride=2)
    assert out.shape[-1] == 3


def test_a_transpose_writing_into_too_short_an_array_is_told_the_output_length():
    def too_short(x, w, strides):
        y = np.zeros(len(x))                                # the input's length: as long as x
        for j in range(len(x)):
            for t in range(len(w)):
                y[j * strides + t] += x[j] * w[t]
        return y

    report, cause = raised(check_conv1d_transpose, too_short)
    # y and x both have 2 values: the index ran past y, not past x
    assert isinstance(cause, IndexError) and "index 2 is out of bounds for axis 0 with size 2" in report
    assert SHORT_Y in report and "(2 - 1) * 2 + 1 = 3?" in report and SCATTERS not in report, report


def test_a_transpose_slicing_past_too_short_an_array_is_told_the_output_length():
    def too_short(x, w, strides):
        y = np.zeros((len(x) - 1) * strides + 1)            # the kernel left out of the length: right for k = 1
        for j in range(len(x)):
            y[j * strides: j * strides + len(w)] += x[j] * w
        return y

    report, cause = raised(check_conv1d_transpose, too_short)
    assert isinstance(cause, ValueError) and "broadcast" in report
    assert SHORT_Y in report and SCATTERS not in report, report


def test_a_transpose_into_an_integer_array_is_told_to_make_it_float():
    def integers(x, w, strides):
        y = np.zeros((len(x) - 1) * strides + len(w), dtype=int)
        for j in range(len(x)):
            y[j * strides: j * strides + len(w)] += x[j] * w
        return y

    report, _ = raised(check_conv1d_transpose, integers)
    assert "Cannot cast ufunc 'add' output from dtype('float64') to dtype('int64')" in report
    assert "your array holds integers (int64) and the values written into it are floats (float64)" in report
    assert "make it a float array, np.zeros(n)" in report


def test_the_right_transpose_passes():
    assert check_conv1d_transpose(solution("conv1d_transpose"))


# --------------------------------------------------------------- tutorial 08 and 02: windows past an array's end
def test_an_input_gradient_gathering_over_the_input_length_is_told_dl_dx_scatters():
    def gathering(g, w, strides, input_length):
        dx = np.zeros(input_length)
        for i in range(input_length):
            dx[i] = g[i * strides: i * strides + len(w)] @ w
        return dx

    report, cause = raised(check_conv1d_input_gradient, gathering)
    assert isinstance(cause, ValueError) and "matmul: Input operand 1 has a mismatch" in report
    # g of 1 value, input_length 2 (by hand from the case shown)
    assert "g=[-0.53567] (shape (1,)), w=[0.1049] (shape (1,)), strides=3, input_length=2" in report
    assert "dL/dx has one value per input step, input_length = 2, more than the 1 value of g" in report
    assert "start from input_length zeros and loop over g" in report and "+= g[n] * w" not in report


def test_a_conv1d_over_too_many_windows_is_told_how_many_fit():
    def every_step(x, w, strides):
        return np.array([x[i * strides: i * strides + len(w)] @ w for i in range(len(x))])

    report, _ = raised(check_conv1d, every_step)
    assert "your function raised ValueError: matmul" in report
    # x of 2 values, k = 1, strides 2 (by hand: (2 - 1) // 2 + 1 = 1 window; the loop makes 2)
    assert "x=[-0.1321 ,  0.64042] (shape (2,)), w=[0.1049] (shape (1,)), strides=2" in report
    assert "x holds (L - k) // strides + 1 = (2 - 1) // 2 + 1 = 1 window of k = 1 step, strides apart" in report
    assert "count exactly the windows that fit" in report and "range((len(x)" not in report


def test_an_error_without_a_checker_hint_gets_the_generic_one_naming_the_array():
    def over_x(x, g, kernel_size, strides):           # the sum runs over x's length, not g's
        return np.array([sum(g[n] * x[n * strides + t] for n in range(len(x))) for t in range(kernel_size)])

    report, cause = raised(check_conv1d_kernel_gradient, over_x)
    assert isinstance(cause, IndexError) and "index 1 is out of bounds for axis 0 with size 1" in report
    assert "g=[-0.53567] (shape (1,))" in report
    assert "an index past the end of an array (g has 1 value here)" in report


def test_a_list_read_past_its_end_is_called_a_list():
    def over_a_list(x, w, strides):
        values = list(x)
        return np.array([values[i * strides + 5] * w[0] for i in range(len(x))])

    report, cause = raised(check_conv1d, over_a_list)
    assert isinstance(cause, IndexError) and "IndexError: list index out of range" in report
    # the case's x has 2 values, so values = list(x) has 2
    assert ("an index past the end of a list (values has 2 values here): a loop that runs over more steps than the "
            "list it reads has" in report)


def test_other_errors_get_no_array_hint():
    report, cause = raised(check_conv1d, lambda x, w, strides: 1 / 0)
    assert isinstance(cause, ZeroDivisionError)
    assert "past the end" not in report and "window" not in report, report


# ------------------------------------------------------------------------ tutorial 07: counts in a bool array
def counts_in_bools(input_length, kernel_size, strides):
    c = np.zeros((input_length - 1) * strides + max(kernel_size, strides), dtype=bool)
    for j in range(input_length):
        c[j * strides: j * strides + kernel_size] += 1
    return c


def test_counting_with_a_bool_array_is_told_counts_need_an_integer_array():
    report, cause = raised(check_overlap_counts, counts_in_bools)
    assert isinstance(cause, TypeError)
    assert "Cannot cast ufunc 'add' output from dtype('int64') to dtype('bool')" in report     # NumPy's own words
    assert COUNTS_NEED_INTEGERS in report and "(line " in report
    with pytest.raises(TypeError, match="Cannot cast ufunc 'add' output"):          # NumPy refuses it, as said
        np.zeros(2, dtype=bool)[0:1].__iadd__(1)


def test_counts_into_too_short_an_array_are_told_the_output_length():
    def full_length(input_length, kernel_size, strides):           # (L - 1) s + k, not + max(k, s)
        c = np.zeros((input_length - 1) * strides + kernel_size, dtype=int)
        for j in range(input_length):
            for t in range(max(kernel_size, strides)):
                c[j * strides + t] += t < kernel_size
        return c

    report, _ = raised(check_overlap_counts, full_length)
    # L = 1, k = 1, s = 2 (by hand: 0 * 2 + max(1, 2) = 2 steps, the array has 1)
    assert "input_length=1, kernel_size=1, strides=2" in report
    assert "Keras' Conv1DTranspose with padding=\"valid\" has 2 steps here" in report     # in words, no formula
    assert "max(" not in report


def test_resize_counts_marked_as_numbers_are_told_they_were_marked_not_counted():
    def resize_marked(input_length, size, kernel_size):
        n, left = input_length * size, (kernel_size - 1) // 2
        return np.array([any(0 <= i + t - left < n for t in range(kernel_size)) for i in range(n)])

    assert check_resize_overlap(solution("resize_overlap"))
    report = report_of(check_resize_overlap, lambda n, size, k: resize_marked(n, size, k).astype(int))
    # L = 1, size 2, k = 2, left 0: step 0 is reached by taps 0 and 1, step 1 by tap 0 only (by hand)
    assert "expected: [2, 1] (shape (2,))\n  received: [1, 1] (shape (2,))" in report
    assert MARKED in report and "sum(...) rather than any(...)" in report
    assert "bool array (True/False)" not in report


@pytest.mark.parametrize("answer", [
    lambda n, size, k: solution("resize_overlap")(n, size, k) + 1,
    lambda n, size, k: np.minimum(solution("resize_overlap")(n, size, k), 2),
])
def test_other_wrong_resize_counts_are_not_told_they_were_marked(answer):
    report = report_of(check_resize_overlap, answer)
    assert "expected:" in report and MARKED not in report, report


# ---------------------------------------------------------------------------- tutorial 01: dL/db with keepdims
def manual_gradient(x, w, b, db):
    y = np.tanh(x * w + b)
    dz = 2 * y * (1 - y ** 2)
    return dz * w, dz * x, db(dz)


@pytest.mark.parametrize("db", [lambda dz: dz.sum(keepdims=True), lambda dz: np.sum(dz, axis=0, keepdims=True),
                                lambda dz: np.array([dz.sum()])])
def test_dl_db_summed_with_keepdims_is_told_it_is_the_shape_not_the_indexing(db):
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, db))
    assert "the shapes differ: expected (), received (1,)" in report and "(in dL/db)" in report
    assert KEEPDIMS in report and "keepdims=True" in report
    assert "dz[0]" not in report and "first term" not in report, report


def test_dl_db_not_summed_is_still_told_to_sum_not_about_keepdims():
    """With one element dz and dz.sum(keepdims=True) are the same array: the larger cases tell them apart."""
    report = report_of(check_manual_gradient, lambda x, w, b: manual_gradient(x, w, b, lambda dz: dz))
    assert "received: [0.7679] (shape (1,))" in report and KEEPDIMS not in report
    assert "the first term alone is right only" in report


def test_torch_gives_a_scalar_b_a_scalar_gradient():
    torch = pytest.importorskip("torch")
    x, w = torch.tensor([0.3, -1.2], dtype=torch.float64), torch.tensor([0.5, 0.7], dtype=torch.float64)
    b = torch.tensor(0.1, dtype=torch.float64, requires_grad=True)
    (torch.tanh(x * w + b) ** 2).sum().backward()
    assert b.grad.shape == ()
    assert np.isclose(manual_gradient(x.numpy(), w.numpy(), 0.1, lambda dz: dz.sum())[2], b.grad.item())


# ------------------------------------ a reviewer's round: which array an index ran past, by the failing subscript
SHORT_DX = "is your dx as long as the input"
DX_SCATTERS = "dL/dx goes the other way, it scatters"


def input_gradient_by_gathering(g, w, strides, input_length):
    """The commonest wrong dL/dx: a loop over the input steps reading windows of g, past g's end."""
    out = np.zeros(input_length)
    for i in range(input_length):
        for t in range(len(w)):
            out[i] += g[i * strides + t] * w[t]
    return out


def test_an_input_gradient_gathering_with_w_as_long_as_g_is_told_it_reads_g_not_that_dx_is_short():
    report, cause = raised(check_conv1d_input_gradient, input_gradient_by_gathering)
    assert isinstance(cause, IndexError) and "index 3 is out of bounds for axis 0 with size 1" in report
    # the first case: g and w both of 1 value, dx of input_length = 2 values (right)
    assert "g=[-0.53567] (shape (1,)), w=[0.1049] (shape (1,)), strides=3, input_length=2" in report
    assert DX_SCATTERS in report and SHORT_DX not in report, report


def test_the_input_gradient_hint_on_a_gather_with_w_as_long_as_g_on_two_values():
    from tinygradconv.exercises.checkers.backprop import _input_gradient_error

    inputs = {"g": np.array([1.0, 2.0]), "w": np.array([3.0, 4.0]), "strides": 1, "input_length": 3}
    with pytest.raises(IndexError) as info:                 # out[1] reads g[1 + 1]: past g's 2 values
        input_gradient_by_gathering(*inputs.values())
    hint = _input_gradient_error(info.value, inputs)
    assert DX_SCATTERS in hint and SHORT_DX not in hint


def test_an_input_gradient_reading_g_through_a_library_call_is_told_by_the_lengths_of_the_inputs():
    def gather_by_take(g, w, strides, input_length):        # np.take raises inside NumPy: no subscript to read
        out = np.zeros(input_length)
        for i in range(input_length):
            for t in range(len(w)):
                out[i] += np.take(g, i * strides + t) * w[t]
        return out

    report, cause = raised(check_conv1d_input_gradient, gather_by_take)
    assert isinstance(cause, IndexError)
    # g read past its end, by the lengths; the index into g is not seen (inside np.take), so whether the loop
    # gathers or scatters is not said (session 45: a scatter over the input's steps was called a gather)
    assert "a loop that reads g once per input step runs past its end" in report and SHORT_DX not in report, report
    assert "gather" not in report, report


def test_an_input_gradient_into_too_short_a_dx_is_still_told_dx_is_short():
    from tinygradconv.exercises.checkers.backprop import _input_gradient_error

    def into_g_length(g, w, strides, input_length):         # dx as long as g (and w): too short
        out = np.zeros(len(g))
        for n, value in enumerate(g):
            for t in range(len(w)):
                out[n * strides + t] += value * w[t]
        return out

    inputs = {"g": np.array([1.0, 2.0]), "w": np.array([3.0, 4.0]), "strides": 1, "input_length": 3}
    with pytest.raises(IndexError) as info:                 # out[1 + 1]: past dx's 2 values, 3 needed
        into_g_length(*inputs.values())
    hint = _input_gradient_error(info.value, inputs)
    assert SHORT_DX in hint and DX_SCATTERS not in hint


def test_the_transpose_hint_on_a_gather_with_w_as_long_as_x():
    from tinygradconv.exercises.checkers.transposed import _transpose_error

    inputs = {"x": np.array([1.0, 2.0]), "w": np.array([3.0, 4.0]), "strides": 1}
    with pytest.raises(IndexError) as info:                 # y[1] reads x[1 + 1]: past x's 2 values
        transpose_by_gathering(*inputs.values())
    hint = _transpose_error(info.value, inputs)
    assert SCATTERS in hint and SHORT_Y not in hint           # (2 - 1) * 1 + 2 = 3 output steps, y has them


def test_a_transpose_into_a_list_one_too_short_is_told_the_output_length():
    def into_a_short_list(x, w, strides):
        y = [0.0] * ((len(x) - 1) * strides + len(w) - 1)
        for j, value in enumerate(x):
            for t in range(len(w)):
                y[j * strides + t] += value * w[t]
        return y

    report, cause = raised(check_conv1d_transpose, into_a_short_list)
    assert isinstance(cause, IndexError) and "list index out of range" in report
    # the first case: x of 2 values, w of 1, strides 2: (2 - 1) * 2 + 1 = 3 by hand
    assert SHORT_Y + ", (L - 1) * strides + k = (2 - 1) * 2 + 1 = 3?" in report, report


def test_an_index_past_the_end_of_an_array_written_into_is_told_it_is_written():
    def into_one_too_few(x, w, strides):                   # tutorial 02: y one value short, written by index
        n = (len(x) - len(w)) // strides + 1
        y = np.zeros(n - 1)
        for i in range(n):
            y[i] = x[i * strides: i * strides + len(w)] @ w
        return y

    report, cause = raised(check_conv1d, into_one_too_few)
    assert isinstance(cause, IndexError) and "index 0 is out of bounds for axis 0 with size 0" in report
    assert "an index past the end of an array (y has 0 values here), the array your code writes into" in report
    assert "it reads" not in report, report


def test_logsumexp_with_the_maximum_reduced_without_keepdims_is_told_about_the_reduced_axis():
    def max_without_keepdims(x):
        xp = x.__array_namespace__()
        m = xp.max(x, axis=-1)
        return xp.log(xp.sum(xp.exp(x - m), axis=-1)) + m

    report, cause = raised(check_logsumexp, max_without_keepdims)
    assert isinstance(cause, ValueError) and "shapes (3,4) (3,)" in report
    assert "an array of shape (3,) met one of shape (3, 4)" in report
    assert "keep the reduced axis as an axis of length 1 (shape (3, 1))" in report and "keepdims=True" in report
    assert "slice" not in report and "y[a: a + k]" not in report, report


def test_a_broadcast_error_outside_the_window_exercises_gets_no_slice_hint():
    def mismatched(x, w, b):                               # tutorial 01: two lengths (n + 1, n + 2) meeting
        y = np.tanh(x * w + b)
        d = 2 * y * (1 - y ** 2)
        return d * w, d * x, np.zeros(len(d) + 1) + np.zeros(len(d) + 2)

    report, cause = raised(check_manual_gradient, mismatched)
    assert isinstance(cause, ValueError) and "could not be broadcast" in report
    assert "slice" not in report and "y[a: a + k]" not in report, report


# ------------------------------------------------------------------------ slips that had no hint
ALL_AT_ONCE = "with every element of x moved at once: that is the derivative along all of x together"


def test_finite_differences_moving_every_element_at_once_is_told_to_move_one_at_a_time():
    def together(f, x, eps):
        return (f(x + eps) - f(x - eps)) / (2 * eps)

    report, _ = raised(check_finite_differences, together)
    assert "expected (1,), received ()" in report                    # the first case: x of 1 value
    assert "your result is one number, (f(x + eps) - f(x - eps)) / (2 * eps) " + ALL_AT_ONCE in report, report


def test_finite_differences_moving_every_element_at_once_into_full_like_is_told_too():
    def together_everywhere(f, x, eps):                  # passes the 1-value cases (it is the gradient there)
        return np.full_like(x, (f(x + eps) - f(x - eps)) / (2 * eps))

    report, _ = raised(check_finite_differences, together_everywhere)
    assert "that one number in each of x's 2 elements" in report and ALL_AT_ONCE in report, report


def test_finite_differences_right_on_one_element_are_not_told_about_moving_all_at_once():
    def forward_differences(f, x, eps):                  # another slip: one-sided, told as such
        grad = np.zeros_like(x)
        for i in range(x.size):
            step = np.zeros_like(x)
            step[i] = eps
            grad[i] = (f(x + step) - f(x)) / eps
        return grad

    report, _ = raised(check_finite_differences, forward_differences)
    assert "one-sided (forward) differences" in report and ALL_AT_ONCE not in report, report


WITHOUT_GRAD = "your backward returns the derivative of the op alone: times the incoming gradient `grad`"


def test_a_backward_without_the_incoming_gradient_is_told_to_multiply_by_it():
    report, _ = raised(check_custom_op, SiluWithoutGrad)
    assert WITHOUT_GRAD in report, report
    assert "grad=[1.41, 1.59, 1.32, 1.9 ]" in report          # the grad the sentence speaks of is shown


def test_a_binary_backward_without_the_incoming_gradient_is_told_to_multiply_by_it():
    class WithoutGrad(ScaledExpForward):
        @staticmethod
        def backward(ctx, grad):
            a, e = ctx.saved_tensors
            return e, a * e                                  # d(a e^b)/da and d/db, without grad

    report, _ = raised(check_custom_binary_op, WithoutGrad)
    assert WITHOUT_GRAD in report, report


def test_a_wrong_derivative_is_not_told_it_lacks_the_incoming_gradient():
    class SigmoidDerivative(tg.Function):
        @staticmethod
        def forward(ctx, x):
            s = 1 / (1 + ctx.xp.exp(-x))
            ctx.save_for_backward(x, s)
            return x * s

        @staticmethod
        def backward(ctx, grad):
            _, s = ctx.saved_tensors
            return grad * s * (1 - s)                          # sigmoid's derivative, not SiLU's

    report, _ = raised(check_custom_op, SigmoidDerivative)
    assert WITHOUT_GRAD not in report, report


def test_a_one_input_backward_with_a_trailing_none_passes_as_pytorch_accepts_it():
    torch = pytest.importorskip("torch")

    class TorchSiLU(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            ctx.save_for_backward(x)
            return x * torch.sigmoid(x)

        @staticmethod
        def backward(ctx, grad):
            (x,) = ctx.saved_tensors
            s = torch.sigmoid(x)
            return grad * s * (1 + x * (1 - s)), None            # one gradient too many, None

    x = torch.tensor([0.5, -1.0], dtype=torch.float64, requires_grad=True)
    TorchSiLU.apply(x).sum().backward()                          # PyTorch drops trailing Nones (no error)
    assert torch.allclose(x.grad, torch.sigmoid(x) * (1 + x * (1 - torch.sigmoid(x))))

    class SiLUWithNone(SiluWithoutGrad):
        @staticmethod
        def backward(ctx, grad):
            x, s = ctx.saved_tensors
            return grad * s * (1 + x * (1 - s)), None

    assert check_custom_op(SiLUWithNone)


def test_a_one_input_backward_with_a_second_gradient_is_refused_as_pytorch_refuses_it():
    torch = pytest.importorskip("torch")

    class TorchTwice(torch.autograd.Function):
        @staticmethod
        def forward(ctx, x):
            return 2 * x

        @staticmethod
        def backward(ctx, grad):
            return 2 * grad, grad

    with pytest.raises(RuntimeError, match="incorrect number of gradients"):
        TorchTwice.apply(torch.ones(2, requires_grad=True)).sum().backward()

    class TwoGradients(SiluWithoutGrad):
        @staticmethod
        def backward(ctx, grad):
            x, s = ctx.saved_tensors
            return grad * s * (1 + x * (1 - s)), grad

    report, _ = raised(check_custom_op, TwoGradients)
    assert "2 gradients for 1 input" in report, report


def test_counts_into_an_array_of_l_times_strides_by_slices_are_told_the_slices_were_cut_short():
    def slices_into_l_times_s(input_length, kernel_size, strides):
        c = np.zeros(input_length * strides, dtype=int)
        for j in range(input_length):
            c[j * strides: j * strides + kernel_size] += 1
        return c

    report, _ = raised(check_overlap_counts, slices_into_l_times_s)
    # the first case it misses: L = 1, k = 2, strides 1: (1 - 1) * 1 + max(2, 1) = 2 steps by hand, 1 * 1 = 1 given
    assert "input_length=1, kernel_size=2, strides=1" in report
    assert "your counts array has L * strides = 1 * 1 = 1 step, fewer than the output's 2: the slices" in report
    assert "max(" not in report                         # what is missing in words, not the formula
    assert "were cut short silently" in report
