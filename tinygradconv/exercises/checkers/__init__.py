"""The checkers: each runs a student's function against the framework on many random cases.

A checker returns ``True`` when every case agrees. At the first case that does not, it raises ``AssertionError``
with a report in plain words: the inputs, the value expected (computed by the framework), the value received, and
where they differ. A function that raises is reported the same way, with its error. How an answer and its results
are read and reported is in :mod:`~tinygradconv.exercises.reports`; the checkers and what each knows about its
exercise (the cases, the reference, the diagnoses of common mistakes) are in one module per tutorial, so that the
checker of one exercise reads as one file:

* :mod:`~tinygradconv.exercises.checkers.gradients` (tutorial 01): ``check_manual_gradient``,
  ``check_finite_differences``;
* :mod:`~tinygradconv.exercises.checkers.convolution` (02): ``check_conv_output_length``, ``check_conv1d``;
* :mod:`~tinygradconv.exercises.checkers.transposed` (03): ``check_output_length``, ``check_conv1d_transpose``;
* :mod:`~tinygradconv.exercises.checkers.custom_ops` (04): ``check_custom_op``, ``check_custom_binary_op``;
* :mod:`~tinygradconv.exercises.checkers.optimizers` (05): ``check_sgd_momentum``, ``check_adam_step``;
* :mod:`~tinygradconv.exercises.checkers.backends` (06): ``check_logsumexp``, ``check_portable_relu``;
* :mod:`~tinygradconv.exercises.checkers.checkerboard` (07): ``check_overlap_counts``, ``check_resize_overlap``;
* :mod:`~tinygradconv.exercises.checkers.backprop` (08): ``check_conv1d_input_gradient``,
  ``check_conv1d_kernel_gradient``;
* :mod:`~tinygradconv.exercises.checkers.porting` (09): ``check_torch_sgd_step``;
* :mod:`~tinygradconv.exercises.checkers.common`: what they share (the framework's results, the matching of known
  mistakes);
* :mod:`~tinygradconv.exercises.checkers.own_work`: the watch by which each refuses an answer that calls the op
  its exercise asks to write.

Each checker is also importable from :mod:`tinygradconv.exercises`, and from here:

>>> import numpy as np
>>> from tinygradconv.exercises.checkers import check_conv1d
>>> def fn(x, w, strides):                # a first guess: NumPy's convolution
...     return np.convolve(x, w, mode="valid")
>>> check_conv1d(fn)   # doctest: +ELLIPSIS
Traceback (most recent call last):
...
AssertionError: check_conv1d: your function disagrees with the framework on this case.
...
"""
from .backends import check_logsumexp, check_portable_relu
from .backprop import check_conv1d_input_gradient, check_conv1d_kernel_gradient
from .checkerboard import check_overlap_counts, check_resize_overlap
from .convolution import check_conv1d, check_conv_output_length
from .custom_ops import check_custom_binary_op, check_custom_op
from .gradients import check_finite_differences, check_manual_gradient
from .optimizers import check_adam_step, check_sgd_momentum
from .porting import check_torch_sgd_step
from .transposed import check_conv1d_transpose, check_output_length

__all__ = ["check_adam_step", "check_conv1d", "check_conv1d_input_gradient", "check_conv1d_kernel_gradient",
           "check_conv1d_transpose", "check_conv_output_length", "check_custom_binary_op", "check_custom_op",
           "check_finite_differences", "check_logsumexp", "check_manual_gradient", "check_output_length",
           "check_overlap_counts", "check_portable_relu", "check_resize_overlap", "check_sgd_momentum",
           "check_torch_sgd_step"]
