"""The watch by which a checker refuses an answer that calls the very op its exercise asks the student to write.

Each checker compares the student's function with the framework's own op (``conv1d_transpose``, ``SGD``, ...). An
answer that calls that op, directly, through a layer that calls it (``Conv1DTranspose``), or under another name
(``from tinygradconv.ops import conv1d_transpose as f``), gives the right values without doing the exercise, and would
only be compared with itself. :func:`_own_work` wraps the answer so that each of its calls runs under a watch on the
op's code: the watch sees every call of that code whatever name it was called by (a profile function,
:func:`sys.setprofile`, looking at the code each new frame runs), and once the answer has returned, or raised, a call
it saw becomes the refusal, :class:`~tinygradconv.exercises.reports._OwnOpCalled`, which the checker reports
(:func:`~tinygradconv.exercises.reports.time_limited`). Other ops of the package, and NumPy, stay free to use.

Some checkers refuse other ways to the same values too (:data:`_ALSO_REFUSED`), each named in its refusal: the
gradient of either convolution (conv1d's input gradient is a transposed convolution, computed by conv1d_transpose's
inner code, and conv1d_transpose's is a convolution), ``log_softmax`` and ``softmax`` for logsumexp, and the path
matrices of :mod:`tinygradconv.viz` and the convolutions' gradients for the overlap counts of both checkers of
tutorial 7. The
convolutions' gradients are watched by their code rather than by refusing every ``backward()`` (as the gradient
checkers do): the watch sees them however they are reached (``backward()``, the ``Function``'s own ``backward``,
the array-level functions), and ``backward()`` through the package's other ops stays free to use.
The two gradient checkers of tutorial 8 refuse the convolution's gradient too, however it is reached, but leave an
answer that called ``backward()`` to their own refusal, which says so.

The watch holds in the thread that runs the checker only (a profile function is per thread), and is put back as it
was after each call, also when the answer raises. Where a profile function is already set, the answer runs
unwatched rather than replace it: under cProfile or profile on Python 3.10 and 3.11, and under profile on any
version. On Python 3.12 and later cProfile goes through :mod:`sys.monitoring` instead, beside the watch, which then
stays on (and cProfile still sees every call).

>>> import numpy as np
>>> import tinygradconv as tg
>>> def answer(x, w, strides):                 # the framework's op, not the student's own transposed convolution
...     y = tg.ops.conv1d_transpose(tg.tensor(x.reshape(1, -1, 1)), tg.tensor(w.reshape(-1, 1, 1)), strides=strides)
...     return y.numpy().ravel()
>>> watched = _own_work("check_conv1d_transpose", answer)
>>> try:
...     watched(np.ones(2), np.ones(2), 1)
... except _OwnOpCalled as refusal:
...     print(str(refusal).split(" (")[0])
check_conv1d_transpose: your function calls tinygradconv's conv1d_transpose
"""
from __future__ import annotations

import sys

from ... import autograd
from ...ops import conv, conv_arithmetic
from ...ops.conv import Conv1dOp, Conv1dTransposeOp, conv1d_forward, conv1d_transpose_forward
from ...ops.elementwise import Relu
from ...ops.nn import LogSoftmax, Softmax
from ...ops.reduction import LogSumExp
from ...optimizers import SGD, Adam
from ...viz import connectivity, model_connectivity
from ...viz.model_connectivity import overlap_counts
from ..reports import _OwnOpCalled

#: The code of each op an exercise asks for, by the functions that run it: the ``Function``'s ``forward`` (which the
#: op's function, its ``Function.apply`` and its layer all run), the array-level function behind it, and the
#: functions of the package that compute the same length or count.
CONVOLUTION = (Conv1dOp.forward, conv1d_forward)
TRANSPOSED_CONVOLUTION = (Conv1dTransposeOp.forward, conv1d_transpose_forward)
CONVOLUTION_LENGTH = (*CONVOLUTION, conv_arithmetic.conv_output_length, conv_arithmetic.explicit_conv_output_length,
                      conv_arithmetic.conv_steps)
TRANSPOSED_LENGTH = (*TRANSPOSED_CONVOLUTION, conv_arithmetic.conv_transpose_output_length,
                     conv_arithmetic.full_transpose_length, conv_arithmetic.transpose_window)
SGD_STEP = (SGD.update_step,)
ADAM_STEP = (Adam.update_step,)
LOGSUMEXP = (LogSumExp.forward,)
RELU = (Relu.forward,)
OVERLAP_COUNTS = (overlap_counts,)

#: The gradients of the two convolutions, however they are reached (``backward()``, the ``Function``'s ``backward``,
#: the array-level functions): conv1d's input gradient is a transposed convolution, computed by conv1d_transpose's
#: own inner code (:func:`~tinygradconv.ops.conv._transpose_forward_work`, without passing through
#: :func:`~tinygradconv.ops.conv.conv1d_transpose_forward`), and conv1d_transpose's input gradient is a convolution
#: (found by a reviewer: an answer through either passed the other op's checker).
CONVOLUTION_GRADIENTS = (Conv1dOp.backward, Conv1dTransposeOp.backward, conv.conv1d_backward,
                         conv.conv1d_transpose_backward, conv.conv1d_transpose_backward_reference)
TRANSPOSED_CONVOLUTION_INSIDE = (*CONVOLUTION_GRADIENTS, conv._transpose_forward_work, conv._transpose_forward_blocked)
#: ``log_softmax`` (which the cross-entropies from logits run) computes ``x - logsumexp(x)``, and ``softmax``
#: ``exp(x - logsumexp(x))``: ``x - log(softmax(x))`` is ``logsumexp(x)``.
LOG_SOFTMAX = (LogSoftmax.forward, Softmax.forward)
#: The path matrices of :mod:`tinygradconv.viz`, whose row sums are the counts (``connectivity_matrix(layer,
#: L).sum(1)``): every matrix of one convolution goes through ``_jacobian``, every model's through
#: ``model_connectivity_matrix``.
PATH_MATRICES = (connectivity._jacobian, connectivity.connectivity_matrix, model_connectivity.model_connectivity_matrix,
                 model_connectivity._model_jacobian)

#: The refusal's words for the gradients of the convolutions (:data:`CONVOLUTION_GRADIENTS`).
_THROUGH_GRADIENTS = ("the gradient of tinygradconv's conv1d or conv1d_transpose (backward() through either, or "
                      "their backward functions), which computes {op}")
#: The refusal's words for the other ways to the same values that :data:`_ALSO_REFUSED` names.
_THROUGH_LOG_SOFTMAX = ("tinygradconv's log_softmax or softmax (tinygradconv.ops.nn.log_softmax, which the "
                        "cross-entropies from logits run: x - log_softmax(x) is logsumexp(x), and so is "
                        "x - log(softmax(x)))")
_THROUGH_PATH_MATRICES = ("the path matrices of tinygradconv.viz (connectivity_matrix, model_connectivity_matrix, "
                          "...), whose row sums are those counts")
_THROUGH_TRANSPOSE_OF_ONES = ("tinygradconv's conv1d_transpose (the counts are the transposed convolution of ones "
                              "with a kernel of ones, which overlap_counts runs)")
#: What an answer to :func:`~tinygradconv.exercises.check_logsumexp` or
#: :func:`~tinygradconv.exercises.check_portable_relu` is written with: tutorial 6 asks for the functions of
#: ``x.__array_namespace__()`` only (NumPy's own functions refuse the array-api-strict arrays these checkers pass).
_PORTABLE = ("Write it with the functions of x.__array_namespace__() only, as tutorial 6 asks (NumPy's own "
             "functions refuse the array-api-strict arrays this checker passes too).")


#: What each checker refuses: ``(what, functions, how)``, ``what`` the op in words (the report says "your function
#: calls {what}"), ``functions`` those whose code the watch looks for, ``how`` where to start instead.
_REFUSED = {
    "check_conv_output_length": (
        "tinygradconv's conv1d, or its output length (conv_output_length, which Conv1D's compute_output_shape runs)",
        CONVOLUTION_LENGTH, "Count the windows that fit from the arguments themselves (tutorial 2's table)."),
    "check_conv1d": (
        "tinygradconv's conv1d (tinygradconv.ops.conv1d, which the Conv1D layer runs)", CONVOLUTION,
        "Loop over the output steps, each taking the dot product of its window of x with w (tutorial 2)."),
    "check_output_length": (
        ("tinygradconv's conv1d_transpose, or its output length (conv_transpose_output_length, which "
         "Conv1DTranspose's compute_output_shape runs)"),
        TRANSPOSED_LENGTH, "Work the length out from the arguments themselves (tutorial 3's table)."),
    "check_conv1d_transpose": (
        "tinygradconv's conv1d_transpose (tinygradconv.ops.conv1d_transpose, which the Conv1DTranspose layer runs)",
        TRANSPOSED_CONVOLUTION,
        "Start from zeros and loop over the inputs, each adding its own scaled copy of the kernel (tutorial 3)."),
    "check_conv1d_input_gradient": (
        "tinygradconv's conv1d_transpose (the input gradient of conv1d is a transposed convolution)",
        TRANSPOSED_CONVOLUTION,
        ("Start from input_length zeros and send each g[n] back to the input steps that output step n's window "
         "read in the forward pass.")),
    "check_conv1d_kernel_gradient": (
        ("the gradient of tinygradconv's conv1d (its backward functions: conv1d_backward, Conv1dOp.backward), which "
         "computes dL/dw with the framework's own code"),
        CONVOLUTION_GRADIENTS,
        ("w[t] multiplied one input step in each output step's window: add up, over the output steps n, g[n] times "
         "that input step.")),
    "check_sgd_momentum": (
        "tinygradconv's SGD optimizer (tinygradconv.optimizers.SGD)", SGD_STEP,
        "One step is the new velocity, then the new parameter, each one line of NumPy (the rule in the exercise)."),
    "check_adam_step": (
        "tinygradconv's Adam optimizer (tinygradconv.optimizers.Adam)", ADAM_STEP,
        "One step updates m, then v, then the parameter, with the bias correction (the rule in the exercise)."),
    "check_torch_sgd_step": (
        "tinygradconv's SGD optimizer (tinygradconv.optimizers.SGD)", SGD_STEP,
        "Follow PyTorch's algorithm box, one line of NumPy per line of it (the rule in the exercise)."),
    "check_logsumexp": (
        "tinygradconv's logsumexp (tinygradconv.ops.logsumexp)", LOGSUMEXP,
        "Build it from the namespace's exp, sum and log over axis=-1, so that large values do not overflow."),
    "check_portable_relu": (
        "tinygradconv's relu (tinygradconv.ops.relu, Tensor.relu, the ReLU layer)", RELU,
        "It is max(x, 0) elementwise, built from the namespace's functions."),
    "check_overlap_counts": (
        "tinygradconv.viz.overlap_counts", OVERLAP_COUNTS,
        "Count, for each output step, the copies of the kernel that reach it (tutorial 7)."),
    "check_resize_overlap": (
        "tinygradconv.viz.overlap_counts", OVERLAP_COUNTS,
        "Count, for each output step, the paths from the input that reach it (tutorial 7)."),
}


#: Other ways to the same values, which each of these checkers refuses too: ``name: ((what, functions), ...)``,
#: ``what`` the way in words (the report says "your function calls {what}"), ``functions`` those whose code the
#: watch looks for.
_ALSO_REFUSED = {
    "check_conv1d": ((_THROUGH_GRADIENTS.format(op="a convolution"), CONVOLUTION_GRADIENTS),),
    "check_conv1d_transpose": ((_THROUGH_GRADIENTS.format(op="the transposed convolution"),
                                TRANSPOSED_CONVOLUTION_INSIDE),),
    "check_conv1d_input_gradient": ((_THROUGH_GRADIENTS.format(op="the input gradient"),
                                     TRANSPOSED_CONVOLUTION_INSIDE),),
    "check_logsumexp": ((_THROUGH_LOG_SOFTMAX, LOG_SOFTMAX),),
    "check_overlap_counts": ((_THROUGH_PATH_MATRICES, PATH_MATRICES),
                             (_THROUGH_TRANSPOSE_OF_ONES, TRANSPOSED_CONVOLUTION),
                             (_THROUGH_GRADIENTS.format(op="the counts (the input gradient of a convolution with a "
                                                           "kernel of ones, of a gradient of ones)"),
                              TRANSPOSED_CONVOLUTION_INSIDE)),
    "check_resize_overlap": ((_THROUGH_PATH_MATRICES, PATH_MATRICES),
                             (_THROUGH_GRADIENTS.format(op="the counts (the input gradient of a \"same\" "
                                                           "convolution with a kernel of ones, of a gradient of ones, "
                                                           "reversed)"),
                              CONVOLUTION_GRADIENTS)),
}
#: The checkers that compare with ``backward()`` and refuse an answer that calls it with their own words
#: (:func:`~tinygradconv.exercises.checkers.common._by_hand`): where the answer called ``backward()`` before any
#: function this watch looks for, the watch leaves the refusal to the checker.
_BACKWARD_LEFT_TO_CHECKER = {"check_conv1d_input_gradient", "check_conv1d_kernel_gradient"}
#: How each checker's refusal says to write the answer instead (the others: :data:`_WITH_NUMPY`).
_WRITE = {"check_logsumexp": _PORTABLE, "check_portable_relu": _PORTABLE}
_WITH_NUMPY = "Write it with NumPy and Python (the package's other functions are fine)."


def _own_work(name, fn):
    """``fn`` (the student's answer, checked by the checker ``name``), wrapped so that a call of any of the
    functions :data:`_REFUSED` or :data:`_ALSO_REFUSED` lists for ``name`` inside it raises
    :class:`~tinygradconv.exercises.reports._OwnOpCalled` once ``fn`` has returned or raised: the refusal says
    what ``fn`` called first (the op, or another way to its values), that the exercise asks to write it, and where
    to start."""
    what, functions, how = _REFUSED[name]
    words = {}                                            # the code watched -> what the refusal says was called
    for way, ways_functions in ((what, functions), *_ALSO_REFUSED.get(name, ())):
        for function in ways_functions:
            words.setdefault(function.__code__, way)
    write = _WRITE.get(name, _WITH_NUMPY)
    backward = autograd.backward.__code__ if name in _BACKWARD_LEFT_TO_CHECKER else None

    def refusal(way):
        if way == what:
            why = ("the exercise asks you to write this yourself, and this checker compares with that very function, "
                   "so such an answer would only be compared with itself")
        else:
            why = ("that is the framework's own code giving the values, and the exercise asks you to write this "
                   "yourself, so this checker refuses it as it refuses the op itself")
        return f"{name}: your function calls {way}: {why}. {write} {how}"

    def answer(*args, **kwargs):
        if sys.getprofile() is not None:                  # a profile function is set: leave it alone, unwatched
            return fn(*args, **kwargs)
        called = []

        def watch(frame, event, arg):
            if event == "call" and frame.f_code in words:
                called.append(words[frame.f_code])
            elif event == "call" and frame.f_code is backward and not called:
                called.append(None)                       # backward() first: the checker's own refusal says so

        sys.setprofile(watch)
        try:
            return fn(*args, **kwargs)
        finally:
            sys.setprofile(None)
            if called and called[0] is not None:
                raise _OwnOpCalled(refusal(called[0]))

    return answer
