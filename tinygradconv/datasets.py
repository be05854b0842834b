r"""Small synthetic 1-D signal data sets, generated on the fly (no downloads), seeded and repeatable.

Every array is ``float32`` in the ``channels_last`` layout ``(n, steps, channels)``. Each function takes a ``seed``:
an integer gives the same data every time; ``None`` draws from :func:`tinygradconv.random.generator` (so
:func:`tinygradconv.random.set_seed` makes a whole script repeatable).

* :func:`sinusoids` -- sums of a few sinusoids, the smooth signals the others start from;
* :func:`noisy_pairs` -- ``(noisy, clean)`` pairs, for denoising;
* :func:`resolution_pairs` -- ``(low, high)`` resolution pairs, for upsampling: the low-resolution signal keeps
  every ``factor``-th sample of a smooth signal, plus noise;
* :func:`hidden_kernel` -- inputs and outputs of a known transposed convolution, whose kernel a model can recover;
* :func:`train_test_split` -- split arrays along their first axis.

>>> from tinygradconv import datasets
>>> low, high = datasets.resolution_pairs(8, steps=64, factor=4, seed=0)
>>> low.shape, high.shape, high.dtype
((8, 16, 1), (8, 64, 1), dtype('float32'))
"""
from __future__ import annotations

from typing import NamedTuple

import numpy as np

from .ops import conv_arithmetic
from .validation import integer, number

__all__ = ["HiddenKernelData", "hidden_kernel", "noisy_pairs", "resolution_pairs", "sinusoids", "train_test_split"]


# ------------------------------------------------------------------------------------------------ helpers
def _rng(seed):
    if seed is None:
        from . import random

        return random.generator()
    return np.random.default_rng(integer(seed, "seed", minimum=0, type_error=ValueError))


# ------------------------------------------------------------------------------------------------ data sets
def sinusoids(n=256, steps=128, channels=1, components=3, frequency_range=(1.0, 6.0), noise=0.0, seed=None):
    r"""Signals that are sums of ``components`` sinusoids with random frequencies, amplitudes and phases.

    For each sample and channel,

    .. math:: x[t] = \sum_{j=1}^{J} a_j \sin\!\left(2\pi f_j \frac{t}{T} + \varphi_j\right) + \sigma\,\varepsilon_t,
              \qquad t = 0, \dots, T - 1,

    with ``J = components``, ``T = steps``, frequencies :math:`f_j` (cycles per signal) uniform in
    ``frequency_range``, phases uniform in :math:`[0, 2\pi)`, amplitudes :math:`a_j = u_j / \sum_i u_i` with
    :math:`u_j` uniform in ``[0.2, 1]`` (so :math:`|x| \le 1` before noise), and standard normal
    :math:`\varepsilon_t` scaled by ``noise``.

    Args:
        n: the number of signals.
        steps: the number of samples in each signal.
        channels: independent signals stacked as channels.
        components: sinusoids per signal.
        frequency_range: ``(low, high)`` frequencies in cycles per signal; keep ``high < steps / 2`` (Nyquist).
        noise: the standard deviation of added white noise.
        seed: an integer for repeatable data, or ``None`` (the package generator).

    Returns:
        A ``float32`` array of shape ``(n, steps, channels)``.

    >>> x = sinusoids(4, steps=32, seed=0)
    >>> x.shape, bool(abs(x).max() <= 1.0)
    ((4, 32, 1), True)
    """
    n = integer(n, "n", minimum=0, type_error=ValueError)
    steps = integer(steps, "steps", type_error=ValueError)
    channels = integer(channels, "channels", type_error=ValueError)
    components = integer(components, "components", type_error=ValueError)
    noise = float(number(noise, "noise", low=0, type_error=ValueError))
    try:
        low, high = (float(f) for f in frequency_range)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid value for argument `frequency_range`. Expected a pair (low, high) of numbers. "
                         f"Received frequency_range={frequency_range!r}") from None
    if not 0 <= low <= high:
        raise ValueError(f"Invalid value for argument `frequency_range`. Expected 0 <= low <= high. "
                         f"Received frequency_range={frequency_range!r}")
    rng = _rng(seed)
    shape = (n, channels, components, 1)
    freq = rng.uniform(low, high, shape)
    phase = rng.uniform(0.0, 2 * np.pi, shape)
    amp = rng.uniform(0.2, 1.0, shape)
    amp /= amp.sum(axis=2, keepdims=True)
    t = np.arange(steps) / steps
    x = (amp * np.sin(2 * np.pi * freq * t + phase)).sum(axis=2)  # (n, channels, steps)
    x = np.ascontiguousarray(x.transpose(0, 2, 1))
    if noise:
        x = x + noise * rng.standard_normal(x.shape)
    return x.astype(np.float32)


def noisy_pairs(n=256, steps=128, channels=1, noise=0.3, seed=None, **kwargs):
    """``(noisy, clean)`` pairs for denoising: clean :func:`sinusoids` plus white noise of std ``noise``.

    Args:
        n, steps, channels: the shape ``(n, steps, channels)`` of each array.
        noise: the standard deviation of the noise added to the clean signals.
        seed: an integer for repeatable data, or ``None``.
        **kwargs: passed to :func:`sinusoids` (``components``, ``frequency_range``).

    Returns:
        ``(noisy, clean)``, two ``float32`` arrays of shape ``(n, steps, channels)``.

    >>> noisy, clean = noisy_pairs(16, steps=64, noise=0.5, seed=0)
    >>> bool(0.4 < (noisy - clean).std() < 0.6)
    True
    """
    noise = float(number(noise, "noise", low=0, type_error=ValueError))
    rng = _rng(seed)
    clean = sinusoids(n, steps, channels, seed=int(rng.integers(2**31)), **kwargs)
    noisy = clean + noise * rng.standard_normal(clean.shape)
    return noisy.astype(np.float32), clean


def resolution_pairs(n=256, steps=128, factor=2, channels=1, noise=0.05, seed=None, frequency_range=None,
                     **kwargs):
    """``(low, high)`` resolution pairs for upsampling.

    ``high`` is a smooth :func:`sinusoids` signal of ``steps`` samples; ``low`` keeps every ``factor``-th sample of it
    (``low[:, i] = high[:, i * factor]``, a decimation without filtering, harmless because the signal is band-limited
    well below the low-resolution Nyquist frequency) plus white noise of std ``noise``. A model maps ``low`` back to
    ``high``: it must interpolate and denoise.

    Args:
        n, channels: the number of signals and of channels.
        steps: the high-resolution length; a multiple of ``factor``.
        factor: the decimation factor (2, 4, ...).
        noise: the standard deviation of the noise on ``low`` (``high`` is clean).
        seed: an integer for repeatable data, or ``None``.
        frequency_range: frequencies in cycles per signal; default ``(1, steps / (8 * factor))``, a quarter of the
            low-resolution Nyquist frequency.
        **kwargs: passed to :func:`sinusoids` (``components``).

    Returns:
        ``(low, high)``: ``float32`` arrays of shapes ``(n, steps // factor, channels)`` and ``(n, steps, channels)``.

    Raises:
        ValueError: ``steps`` is not a multiple of ``factor``, or another argument is out of range.

    >>> low, high = resolution_pairs(2, steps=16, factor=2, noise=0.0, seed=1)
    >>> bool((low == high[:, ::2]).all())
    True
    """
    factor = integer(factor, "factor", type_error=ValueError)
    steps = integer(steps, "steps", type_error=ValueError)
    noise = float(number(noise, "noise", low=0, type_error=ValueError))
    if steps % factor:
        raise ValueError(f"Invalid value for argument `steps`. Expected a multiple of factor={factor}. "
                         f"Received steps={steps}")
    if frequency_range is None:
        frequency_range = (1.0, max(steps / (8.0 * factor), 1.0))
    rng = _rng(seed)
    high = sinusoids(n, steps, channels, frequency_range=frequency_range, seed=int(rng.integers(2**31)), **kwargs)
    low = high[:, ::factor, :]
    if noise:
        low = low + noise * rng.standard_normal(low.shape)
    return np.ascontiguousarray(low, dtype=np.float32), high


class HiddenKernelData(NamedTuple):
    """What :func:`hidden_kernel` returns: inputs ``x``, outputs ``y``, and the ``kernel`` and ``bias`` that
    made them."""

    x: np.ndarray
    y: np.ndarray
    kernel: np.ndarray
    bias: np.ndarray


def hidden_kernel(n=256, steps=16, in_channels=2, filters=1, kernel_size=4, strides=2, padding="same",
                  dilation_rate=1, noise=0.0, seed=None):
    r"""Data made by a known transposed convolution: ``y = conv1d_transpose(x, kernel) + bias (+ noise)``.

    ``x`` is standard normal, ``kernel`` (Keras layout ``(kernel_size, filters, in_channels)``) normal with std
    ``1 / sqrt(kernel_size * in_channels)``, ``bias`` normal with std 0.1. ``y`` is computed here in plain NumPy from
    the definition, independently of :func:`tinygradconv.ops.conv1d_transpose`: every input sample scatters into the
    *full* output,

    .. math:: F[i s + t d, f] \mathrel{+}= \sum_c x[i, c]\, K[t, f, c],

    which is then cropped to Keras' output window ``[c_{left}, c_{left} + N)`` (see
    :mod:`tinygradconv.ops.conv_arithmetic`). A ``Conv1DTranspose`` layer with the same arguments can therefore
    learn ``kernel`` and ``bias`` back exactly (when ``noise`` is 0).

    Args:
        n, steps, in_channels: the shape ``(n, steps, in_channels)`` of ``x``.
        filters, kernel_size, strides, padding, dilation_rate: the hidden ``Conv1DTranspose``'s arguments.
        noise: the standard deviation of white noise added to ``y``.
        seed: an integer for repeatable data, or ``None``.

    Returns:
        :class:`HiddenKernelData` ``(x, y, kernel, bias)``, all ``float32``; ``y`` has shape ``(n, N, filters)``.

    >>> data = hidden_kernel(4, steps=10, in_channels=3, filters=2, kernel_size=3, strides=2, padding="valid", seed=0)
    >>> data.x.shape, data.y.shape, data.kernel.shape
    ((4, 10, 3), (4, 21, 2), (3, 2, 3))
    """
    n = integer(n, "n", minimum=0, type_error=ValueError)
    steps = integer(steps, "steps", type_error=ValueError)
    in_channels = integer(in_channels, "in_channels", type_error=ValueError)
    filters = integer(filters, "filters", type_error=ValueError)
    k = integer(kernel_size, "kernel_size", type_error=ValueError)
    s = integer(strides, "strides", type_error=ValueError)
    d = integer(dilation_rate, "dilation_rate", type_error=ValueError)
    noise = float(number(noise, "noise", low=0, type_error=ValueError))
    padding = conv_arithmetic.normalize_padding(padding, conv_arithmetic.TRANSPOSE_PADDINGS)
    rng = _rng(seed)
    x = rng.standard_normal((n, steps, in_channels))
    kernel = rng.standard_normal((k, filters, in_channels)) / np.sqrt(k * in_channels)
    bias = 0.1 * rng.standard_normal(filters)
    full_len = conv_arithmetic.full_transpose_length(steps, k, s, d)
    left, right = conv_arithmetic.conv_transpose_crops(k, s, padding, None, d)
    full = np.zeros((n, full_len + max(-right, 0), filters))  # a negative right crop extends with zeros
    for t in range(k):
        start = t * d
        full[:, start:start + (steps - 1) * s + 1:s, :] += x @ kernel[t].T
    out_len = conv_arithmetic.conv_transpose_output_length(steps, k, s, padding, None, d)
    y = full[:, left:left + out_len, :] + bias
    if noise:
        y = y + noise * rng.standard_normal(y.shape)
    f32 = np.float32
    return HiddenKernelData(x.astype(f32), y.astype(f32), kernel.astype(f32), bias.astype(f32))


def train_test_split(*arrays, test_fraction=0.2, seed=None):
    """Split arrays (same first dimension) into a training part and a test part, shuffled the same way.

    Args:
        *arrays: arrays with the same length along the first axis.
        test_fraction: the fraction of samples in the test part (strictly between 0 and 1).
        seed: an integer for a repeatable shuffle, or ``None``.

    Returns:
        ``(a_train, a_test, b_train, b_test, ...)``, in the order of ``arrays``.

    >>> a_train, a_test = train_test_split(np.arange(10), test_fraction=0.3, seed=0)
    >>> len(a_train), len(a_test), sorted(a_train.tolist() + a_test.tolist()) == list(range(10))
    (7, 3, True)
    """
    if not arrays:
        raise ValueError("train_test_split needs at least one array")
    lengths = {len(a) for a in arrays}
    if len(lengths) != 1:
        raise ValueError(f"train_test_split: the arrays have different lengths {[len(a) for a in arrays]}")
    number(test_fraction, "test_fraction", low=0, high=1, low_open=True, high_open=True,
           type_error=ValueError)
    (length,) = lengths
    order = _rng(seed).permutation(length)
    n_test = round(length * test_fraction)
    test, train = order[:n_test], order[n_test:]
    out = []
    for a in arrays:
        a = np.asarray(a)
        out.extend((a[train], a[test]))
    return tuple(out)
