"""Convolution arithmetic: output lengths, crops and paddings of 1-D (transposed) convolutions.

Pure integer functions on plain Python ints (no arrays), shared by the ops, the layers, the visualisations and the
docs. Every formula follows Keras 3 exactly; the derivations are on the maths page,
:doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`.

Notation (one spatial dimension): input length ``L``, kernel taps ``k``, stride ``s``, dilation ``d``, effective
kernel size ``k_eff = (k - 1) * d + 1``, output padding ``op`` (``None`` or an int).

Forward convolution (Keras ``Conv1D``)::

    valid   N = floor((L - k_eff) / s) + 1   (0 when L < k_eff)     no padding
    same    N = ceil(L / s)                  pad_total = max((N - 1) * s + k_eff - L, 0), left = pad_total // 2
    causal  N = ceil(L / s)                  left = k_eff - 1, right = 0

Transposed convolution (Keras ``Conv1DTranspose``): the *full* transposed convolution has length
``F = (L - 1) * s + k_eff``; the output is the window ``[c_left, c_left + N)`` of it (zeros outside ``[0, F)``)::

    padding  output_padding  N                              c_left
    valid    None            (L - 1) * s + max(k_eff, s)    0
    valid    op              (L - 1) * s + k_eff + op       0
    same     None            L * s                          max(floor((k_eff - s) / 2), 0)
    same     op              (L - 1) * s + k_eff % 2 + op   max(floor((k_eff - k_eff % 2 - op) / 2), 0)

``c_tot = F - N`` does not depend on ``L``; ``c_right = c_tot - c_left``. A negative crop means zero extension; an
odd positive ``c_tot`` crops one more on the right (TensorFlow "SAME" convention).

An ``input_length`` of ``None`` (unknown, symbolic) gives ``None`` for every length.
"""

from __future__ import annotations

# The argument checks live in ..validation; CONV_PADDINGS, TRANSPOSE_PADDINGS and the normalize_* functions
# are imported here because the arithmetic uses them (ops.conv imports them from ..validation directly).
from ..validation import (
    CONV_PADDINGS,
    TRANSPOSE_PADDINGS,
    normalize_int,
    normalize_output_padding,
    normalize_padding,
)

__all__ = [
    "CONV_PADDINGS",
    "TRANSPOSE_PADDINGS",
    "conv_output_length",
    "conv_padding",
    "conv_pads",
    "conv_steps",
    "conv_transpose_crops",
    "conv_transpose_output_length",
    "effective_kernel_size",
    "explicit_conv_output_length",
    "full_transpose_length",
    "matching_conv_padding",
    "torch_conv_transpose_args",
    "transpose_window",
]


def _length(input_length):
    if input_length is None:
        return None
    return normalize_int(input_length, "input_length", allow_zero=True)


# ----------------------------------------------------------------------------------------------------------------
# Forward convolution
# ----------------------------------------------------------------------------------------------------------------
def effective_kernel_size(kernel_size, dilation_rate=1):
    """Span of a dilated kernel: ``k_eff = (k - 1) * d + 1``.

    >>> effective_kernel_size(3, 2)
    5
    """
    k = normalize_int(kernel_size, "kernel_size")
    d = normalize_int(dilation_rate, "dilation_rate")
    return (k - 1) * d + 1


def conv_padding(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Zero padding ``(left, right)`` that Keras ``Conv1D`` adds before a "valid" correlation.

    ``valid``: ``(0, 0)``; ``causal``: ``(k_eff - 1, 0)``; ``same`` (TensorFlow convention):
    ``pad_total = max((ceil(L / s) - 1) * s + k_eff - L, 0)``, ``left = pad_total // 2`` (the odd one goes right).
    ``None`` when the length is unknown and the padding depends on it (``same`` only).

    >>> conv_padding(10, 4, 1, "same"), conv_padding(10, 3, 2, "causal", 2)
    ((1, 2), (4, 0))
    """
    length = _length(input_length)
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    s = normalize_int(strides, "strides")
    padding = normalize_padding(padding, CONV_PADDINGS)
    if length is None and padding == "same":
        return None
    return conv_pads(length, k_eff, s, padding)


def conv_pads(length, k_eff, s, padding):
    """``(left, right)`` for already validated plain ints (``padding`` lower-case; ``length`` may be ``None``
    unless it is ``"same"``): the unchecked core of :func:`conv_padding`, for the ops' hot path.

    >>> conv_pads(10, 4, 1, "same")
    (1, 2)
    """
    if padding == "valid":
        return (0, 0)
    if padding == "causal":
        return (k_eff - 1, 0)
    n_out = -(-length // s)
    pad_total = max((n_out - 1) * s + k_eff - length, 0)
    return (pad_total // 2, pad_total - pad_total // 2)


def explicit_conv_output_length(input_length, kernel_size, strides=1, pad_left=0, pad_right=0, dilation_rate=1):
    """Output length of a correlation over the explicitly padded signal (negative padding crops).

    ``N = floor((P - k_eff) / s) + 1`` with ``P = pad_left + L + pad_right``, and ``0`` when ``P < k_eff``.

    >>> explicit_conv_output_length(10, 3, 2, 1, 1)
    5
    """
    length = _length(input_length)
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    s = normalize_int(strides, "strides")
    if length is None:
        return None
    return conv_steps(pad_left + length + pad_right, k_eff, s)


def conv_steps(padded_length, k_eff, s):
    """``N`` for already validated plain ints: the unchecked core of :func:`explicit_conv_output_length`, for the
    ops' hot path, given the padded length ``P``.

    >>> conv_steps(12, 3, 2), conv_steps(2, 3, 2)
    (5, 0)
    """
    if padded_length < k_eff:
        return 0
    return (padded_length - k_eff) // s + 1


def conv_output_length(input_length, kernel_size, strides=1, padding="valid", dilation_rate=1):
    """Output length of Keras ``Conv1D``.

    ``valid``: ``floor((L - k_eff) / s) + 1`` (``0`` when ``L < k_eff``: the formula gives zero or less there and the
    ``Conv1D`` layer raises, as Keras);
    ``same`` and ``causal``: ``ceil(L / s)``.

    >>> conv_output_length(10, 3, 2, "valid"), conv_output_length(10, 3, 2, "same")
    (4, 5)
    """
    length = _length(input_length)
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    s = normalize_int(strides, "strides")
    padding = normalize_padding(padding, CONV_PADDINGS)
    if length is None:
        return None
    if padding == "valid":
        return 0 if length < k_eff else (length - k_eff) // s + 1
    return -(-length // s)


# ----------------------------------------------------------------------------------------------------------------
# Transposed convolution
# ----------------------------------------------------------------------------------------------------------------
def full_transpose_length(input_length, kernel_size, strides=1, dilation_rate=1):
    """Length of the full (uncropped) transposed convolution: ``F = (L - 1) * s + k_eff`` (``0`` for ``L = 0``).

    >>> full_transpose_length(10, 3, 2)
    21
    """
    length = _length(input_length)
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    s = normalize_int(strides, "strides")
    if length is None:
        return None
    if length == 0:
        return 0
    return (length - 1) * s + k_eff


def _total_crop(k_eff, s, padding, output_padding):
    """``c_tot = F - N``, independent of ``L``; may be negative (zero extension)."""
    if padding == "valid":
        op_eff = max(k_eff, s) - k_eff if output_padding is None else output_padding
        return -op_eff
    if output_padding is None:
        return k_eff - s
    return k_eff - k_eff % 2 - output_padding


def transpose_window(length, k_eff, s, padding, output_padding):
    """``(c_left, N)`` for already validated plain ints (``padding`` lower-case): the unchecked core of
    :func:`conv_transpose_crops` and :func:`conv_transpose_output_length`, for the ops' hot path.

    >>> transpose_window(10, 3, 2, "same", None)
    (0, 20)
    """
    total = _total_crop(k_eff, s, padding, output_padding)
    left = 0 if padding == "valid" else max(total // 2, 0)
    return left, max((length - 1) * s + k_eff - total, 0)


def conv_transpose_output_length(
    input_length, kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1
):
    """Output length ``N`` of Keras ``Conv1DTranspose`` (the table on the maths page,
    :doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`).

    ========  ==============  ==================================
    padding   output_padding  N
    ========  ==============  ==================================
    valid     None            ``(L - 1) * s + max(k_eff, s)``
    valid     op              ``(L - 1) * s + k_eff + op``
    same      None            ``L * s``
    same      op              ``(L - 1) * s + k_eff % 2 + op``
    ========  ==============  ==================================

    ``output_padding=None`` and ``0`` differ. For ``L = 0`` (unspecified in Keras, backends disagree) the formula is
    applied and clamped at 0.

    >>> conv_transpose_output_length(10, 3, 2), conv_transpose_output_length(10, 3, 2, "same", 0)
    (21, 19)
    """
    length = _length(input_length)
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    s = normalize_int(strides, "strides")
    padding = normalize_padding(padding, TRANSPOSE_PADDINGS)
    op = normalize_output_padding(output_padding)
    if length is None:
        return None
    return transpose_window(length, k_eff, s, padding, op)[1]


def conv_transpose_crops(kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    """Crops ``(c_left, c_right)`` taken from the full transposed convolution; they do not depend on ``L``.

    ``c_tot = c_left + c_right = F - N``: valid ``-op_eff`` (``op_eff = max(k_eff, s) - k_eff`` for ``None``);
    same/None ``k_eff - s``; same/op ``k_eff - k_eff % 2 - op``. ``c_left`` is ``max(floor(c_tot / 2), 0)``
    (``0`` for valid), so an odd positive total crops one more on the right, and a negative total is a zero
    extension on the right. ``c_left >= 0`` always; ``c_right`` may be negative.

    >>> conv_transpose_crops(3, 2, "same"), conv_transpose_crops(2, 3, "valid")
    ((0, 1), (0, -1))
    """
    k_eff = effective_kernel_size(kernel_size, dilation_rate)
    s = normalize_int(strides, "strides")
    padding = normalize_padding(padding, TRANSPOSE_PADDINGS)
    op = normalize_output_padding(output_padding)
    left = transpose_window(1, k_eff, s, padding, op)[0]
    return (left, _total_crop(k_eff, s, padding, op) - left)


def matching_conv_padding(kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    """Explicit padding ``(left, right)`` of the conv1d whose conv matrix is the transpose of ``conv1d_transpose``'s.

    The matching conv1d uses the same kernel (no flip), strides and dilation on a signal of the transposed op's output
    length ``N`` padded with ``left = c_left`` and ``right = c_right`` zeros, so that the padded length is the full
    length ``F`` and the result has the transposed op's input length ``L``. A negative ``right`` (the transposed op
    zero-extends) means: drop the last ``-right`` samples. While ``output_padding < strides`` those samples are never
    read by any window, so ``(left, max(right, 0))`` gives the same result; it equals Keras ``conv_padding(N, ...)``
    with the same padding name, except for ``"same"`` with ``k_eff % 2 + output_padding == 0`` (see the matrix
    view on the maths page, :doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`).

    >>> matching_conv_padding(3, 2, "same"), matching_conv_padding(4, 2, "same", 0)
    ((0, 1), (2, 2))
    """
    return conv_transpose_crops(kernel_size, strides, padding, output_padding, dilation_rate)


def torch_conv_transpose_args(kernel_size, strides=1, padding="valid", output_padding=None, dilation_rate=1):
    """Map Keras arguments to ``torch.nn.functional.conv_transpose1d``
    (:doc:`docs/conv1d_transpose_math.md </conv1d_transpose_math>`, "Mapping to PyTorch").

    Returns ``(torch_padding, torch_output_padding, drop_right)``: call torch with these ``padding`` and
    ``output_padding`` and then drop the last ``drop_right`` outputs (1 when ``c_tot`` is odd and positive, which
    torch's symmetric padding cannot express; 0 otherwise). Torch refuses ``N = 0`` (callers must handle it).

    >>> torch_conv_transpose_args(3, 2, "same"), torch_conv_transpose_args(5, 1, "same")
    ((0, 0, 1), (2, 0, 0))
    """
    left, right = conv_transpose_crops(kernel_size, strides, padding, output_padding, dilation_rate)
    total = left + right
    if total <= 0:
        return (0, -total, 0)
    if total % 2 == 0:
        return (total // 2, 0, 0)
    return (left, 0, 1)
