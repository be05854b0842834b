"""Adaptive 1-D pooling, as Keras 3.15: ``AdaptiveAveragePooling1D`` and ``AdaptiveMaxPooling1D`` pool the steps
axis into exactly ``output_size`` bins, whatever the input's length.

Bin ``i`` of an input of ``L`` steps covers the steps ``start_i <= j < end_i`` with

    start_i = floor(i * L / output_size),   end_i = ceil((i + 1) * L / output_size)

which are PyTorch's bins (``torch.nn.functional.adaptive_avg_pool1d`` / ``adaptive_max_pool1d``, which Keras 3
calls on its torch backend) and those of Keras' NumPy backend too (``_compute_adaptive_pooling_gather_indices``):
neighbouring bins overlap by one step when ``L`` is not a multiple of ``output_size``, and an input shorter than
``output_size`` repeats steps.

How it is computed: the bins have at most two sizes (``k`` and ``k + 1``). For each size, one pooling of every
window of that size (:func:`~tinygradconv.ops.avg_pool1d` / :func:`~tinygradconv.ops.max_pool1d` with stride 1),
then one gather of the window that starts each bin: no Python loop over steps or bins, and the gradient is that of
the pooling ops and of the gather (a max's gradient goes to one step of the bin, as torch's).

>>> import numpy as np
>>> from tinygradconv.layers import AdaptiveAveragePooling1D
>>> x = np.arange(5.0).reshape(1, 5, 1)          # bins [0, 1, 2), [1, 2, 3, 4), [3, 4, 5)
>>> AdaptiveAveragePooling1D(3)(x).numpy().ravel().tolist()
[0.5, 2.0, 3.5]

Source: ``keras.layers.AdaptiveAveragePooling1D`` / ``AdaptiveMaxPooling1D`` (Keras 3.15,
``keras/src/layers/pooling/base_adaptive_pooling.py``).
"""
from __future__ import annotations

import numpy as np

from .. import config
from ..backend import dtype_name
from ..ops.pooling import avg_pool1d, max_pool1d
from ..ops.shape import concat
from ..validation import normalize_int, size_fits
from .core import check_rank
from .layer import Layer

__all__ = ["AdaptiveAveragePooling1D", "AdaptiveMaxPooling1D"]


def adaptive_bins(steps: int, output_size: int):
    """The ``(start, end)`` of each of the ``output_size`` bins of ``steps`` steps, as two int arrays (see the module
    docstring for the formula).

    >>> [a.tolist() for a in adaptive_bins(5, 3)]
    [[0, 1, 3], [2, 4, 5]]
    """
    i = np.arange(output_size)
    starts = (i * steps) // output_size                           # floor(i * L / n)
    ends = -((-(i + 1) * steps) // output_size)                   # ceil((i + 1) * L / n), in integers
    return starts, ends


def _output_size(value):
    """Keras' ``output_size``: an int, or a tuple or list of one int, as ``(int,)``; positive (Keras lets 0 through
    to torch); a float or a bool is a ``TypeError`` (:func:`~tinygradconv.validation.normalize_int`)."""
    return (normalize_int(value, "output_size"),)


class _AdaptivePooling1D(Layer):
    """What both adaptive layers share: the arguments, shapes, config and the bins' gather."""

    single_input = True
    casts_integer_inputs = True
    _pool = None        # avg_pool1d or max_pool1d

    def __init__(self, output_size, data_format=None, **kwargs):
        super().__init__(**kwargs)
        self.output_size = _output_size(output_size)
        self.data_format = config.standardize_data_format(data_format)

    def _steps_axis(self):
        return 1 if self.data_format == "channels_last" else 2

    def call(self, inputs):
        check_rank(self, inputs.shape, 3)
        axis = self._steps_axis()
        steps = inputs.shape[axis]
        if steps == 0:
            raise ValueError(f"Layer '{self.name}' ({type(self).__name__}) cannot pool an input with 0 steps into "
                             f"{self.output_size[0]} bins. Full shape received: {tuple(inputs.shape)}")
        # the output and the bins' four index arrays, before they are made: output_size=10**9 got NumPy's
        # "MemoryError: Unable to allocate 7.45 GiB" for an index array, 10**30 "Maximum allowed size exceeded"
        n = self.output_size[0]
        size_fits(f"{type(self).__name__} '{self.name}'", f"{n} bins",
                  n * (inputs.shape[0] * inputs.shape[3 - axis] * np.dtype(dtype_name(inputs.dtype)).itemsize + 4 * 8),
                  f"output_size={n}", inputs._data)
        starts, ends = adaptive_bins(steps, n)
        sizes = ends - starts
        pooled, index, offset = [], np.empty_like(starts), 0
        for size in np.unique(sizes):           # one or two window sizes: every window of that size, stride 1
            windows = type(self)._pool(inputs, int(size), strides=1, padding="valid", data_format=self.data_format)
            index[sizes == size] = starts[sizes == size] + offset
            offset += windows.shape[axis]
            pooled.append(windows)
        every = pooled[0] if len(pooled) == 1 else concat(pooled, axis=axis)
        return every[:, index, :] if axis == 1 else every[:, :, index]

    def compute_output_shape(self, input_shape):
        check_rank(self, input_shape, 3)
        if self.data_format == "channels_last":
            return (input_shape[0], self.output_size[0], input_shape[2])
        return (input_shape[0], input_shape[1], self.output_size[0])

    def get_config(self):
        return {**super().get_config(), "output_size": tuple(self.output_size), "data_format": self.data_format}


class AdaptiveAveragePooling1D(_AdaptivePooling1D):
    r"""The mean of each of ``output_size`` bins of the steps axis: :math:`y_i = \frac{1}{e_i - s_i}
    \sum_{s_i \le j < e_i} x_j`, with the bins of the module docstring (PyTorch's, and Keras').

    Args:
        output_size: the number of output steps (a positive int, or a tuple or list of one).
        data_format: ``"channels_last"`` (``(batch, steps, channels)``) or ``"channels_first"``
            (``(batch, channels, steps)``); default: the configured one.

    Input shape: ``(batch, steps, channels)`` (or ``(batch, channels, steps)``), float16/32/64 (integers are cast
    to the layer's dtype). Output shape: ``(batch, output_size, channels)`` (or ``(batch, channels,
    output_size)``).

    Gradient: each output's gradient shared evenly among the steps of its bin (summed where bins overlap).

    Raises:
        TypeError: ``output_size`` not an integer (a bool or float too).
        ValueError: ``output_size`` not positive or a tuple of other than one int; an input not 3-D or with 0 steps.

    >>> import numpy as np
    >>> AdaptiveAveragePooling1D(2)(np.ones((4, 9, 3))).shape
    (4, 2, 3)
    """

    _pool = staticmethod(avg_pool1d)


class AdaptiveMaxPooling1D(_AdaptivePooling1D):
    r"""The maximum of each of ``output_size`` bins of the steps axis: :math:`y_i = \max_{s_i \le j < e_i} x_j`,
    with the bins of the module docstring (PyTorch's, and Keras').

    Args:
        output_size: the number of output steps (a positive int, or a tuple or list of one).
        data_format: ``"channels_last"`` (``(batch, steps, channels)``) or ``"channels_first"``
            (``(batch, channels, steps)``); default: the configured one.

    Input and output shapes as :class:`AdaptiveAveragePooling1D`.

    Gradient: each output's gradient goes to one step of its bin where the maximum is, as
    :func:`~tinygradconv.ops.max_pool1d` routes it (torch's ``adaptive_max_pool1d`` picks one step too).

    Raises:
        TypeError: ``output_size`` not an integer (a bool or float too).
        ValueError: ``output_size`` not positive or a tuple of other than one int; an input not 3-D or with 0 steps.

    >>> import numpy as np
    >>> AdaptiveMaxPooling1D(2)(np.arange(5.0).reshape(1, 5, 1)).numpy().ravel().tolist()
    [2.0, 4.0]
    """

    _pool = staticmethod(max_pool1d)
