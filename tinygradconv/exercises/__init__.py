"""Exercises for the tutorials, each with a checker that tells you precisely where your answer goes wrong.

Write the function an exercise asks for, then pass it to its checker. The checker runs it against the framework
on many random (or all small) cases and returns ``True`` when every case agrees; otherwise it raises
``AssertionError`` with the first counterexample in plain words: the inputs, the value expected, the value received
and where they differ. The solutions are in the docs (:doc:`docs/exercises.md </exercises>`), folded away. (A
checker of a ``Function`` subclass raises ``TypeError`` when given anything else, an instance or a plain function:
that is not a solution at all.)

:data:`EXERCISES` lists them by tutorial: ``EXERCISES["03"]`` gives ``(title, task, checker)`` triples; a task
is Markdown (code in backticks, maths in ``$...$``), the text of the exercise cell at the end of its tutorial.

>>> from tinygradconv.exercises import check_output_length
>>> def wrong(input_length, kernel_size, strides, padding, output_padding, dilation_rate):
...     return (input_length - 1) * strides + kernel_size          # forgets padding and output_padding
>>> try:
...     check_output_length(wrong)
... except AssertionError as report:
...     print(str(report).splitlines()[0])
check_output_length: your function disagrees with the framework on this case.
"""
from .checkers import (
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
    check_torch_sgd_step,
)

EXERCISES = {
    "01": [("Gradients by hand",
            (r"Write `fn(x, w, b)` returning $\partial L/\partial x$, $\partial L/\partial w$, "
             r"$\partial L/\partial b$ for $L = \sum_i \tanh(x_i w_i + b)^2$ (`x`, `w`: 1-D arrays of one length, "
             r"multiplied elementwise; `b`: a number)."),
            check_manual_gradient),
           ("Finite differences",
            "Write `fn(f, x, eps)`: the central-difference estimate of the gradient of `f` at `x`.",
            check_finite_differences)],
    "02": [("Conv1D output length", "Write `fn(input_length, kernel_size, strides, padding, dilation_rate)`.",
            check_conv_output_length),
           ("conv1d by hand",
            "Write `fn(x, w, strides)`: the valid cross-correlation of the 1-D arrays `x` and `w` (one channel).",
            check_conv1d)],
    "03": [("Conv1DTranspose output length",
            "Write `fn(input_length, kernel_size, strides, padding, output_padding, dilation_rate)`.",
            check_output_length),
           ("conv1d_transpose by hand", "Write `fn(x, w, strides)`: the full transposed convolution.",
            check_conv1d_transpose)],
    "04": [("A custom op: SiLU",
            (r"Write a `Function` subclass computing $x\,\sigma(x)$, forward and backward (`forward(ctx, x)`, "
             r"`backward(ctx, grad)`)."),
            check_custom_op),
           ("A two-input op", "Write a `Function` subclass computing $a\\,e^{b}$, with both gradients.",
            check_custom_binary_op)],
    "05": [("An optimizer step",
            ("Write `fn(param, grad, velocity, learning_rate, momentum, nesterov)` returning `(new_param, "
             "new_velocity)`: one step of SGD with momentum (and Nesterov), as Keras does it: `m <- momentum * m - "
             "learning_rate * grad`, then `w <- w + m`, or with Nesterov `w <- w + momentum * m - learning_rate * "
             "grad` (with the new `m`)."),
            check_sgd_momentum),
           ("An Adam step",
            ("Write `fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)` returning "
             "`(param, m, v)` after one step of Adam, bias correction included, as Keras does it (`iteration` "
             "counts from 1)."),
            check_adam_step)],
    "06": [("Code for every backend",
            ("Write `fn(x)`: a stable `logsumexp` over the last axis, that axis removed, with "
             "`x.__array_namespace__()` only."),
            check_logsumexp),
           ("A portable ReLU",
            r"Write `fn(x)`: $\max(x, 0)$ with `x.__array_namespace__()` only, keeping the shape and dtype.",
            check_portable_relu)],
    "07": [("Overlap counts", "Write `fn(input_length, kernel_size, strides)`: paths reaching each output step.",
            check_overlap_counts),
           ("Resize-convolution overlap",
            ("Write `fn(input_length, size, kernel_size)`: paths per step of `UpSampling1D` then "
             "`Conv1D(padding='same')`."),
            check_resize_overlap)],
    "08": [("Backprop through conv1d",
            r"Write `fn(g, w, strides, input_length)`: $\partial L/\partial x$ of a valid `conv1d`.",
            check_conv1d_input_gradient),
           ("The kernel gradient of conv1d",
            r"Write `fn(x, g, kernel_size, strides)`: $\partial L/\partial w$ of a valid `conv1d`.",
            check_conv1d_kernel_gradient)],
    "09": [("Port a PyTorch optimizer step",
            ("Write `fn(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov)` returning "
             "`(new_param, new_buffer)`: one step of `torch.optim.SGD` as PyTorch documents it (`dampening=0`): "
             "`g = grad + weight_decay * param`; `buffer = g` at the first step (`buffer` is `None`), else "
             "`momentum * buffer + g`; then `param - learning_rate * (g + momentum * buffer)` with Nesterov, "
             "`param - learning_rate * buffer` without."),
            check_torch_sgd_step)],
}

__all__ = ["EXERCISES", "check_adam_step", "check_conv1d", "check_conv1d_input_gradient",
           "check_conv1d_kernel_gradient", "check_conv1d_transpose", "check_conv_output_length",
           "check_custom_binary_op", "check_custom_op", "check_finite_differences", "check_logsumexp",
           "check_manual_gradient", "check_output_length", "check_overlap_counts", "check_portable_relu",
           "check_resize_overlap", "check_sgd_momentum", "check_torch_sgd_step"]
