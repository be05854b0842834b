"""Naive NumPy loop references for conv1d and conv1d_transpose, written directly from the definitions.

Nothing here imports tinygradconv: lengths, paddings and crops are derived again, on purpose by a different route
than ``tinygradconv.ops.conv_arithmetic`` (the transposed crops follow the padding Keras hands to JAX's
``lax.conv_transpose``, docs/conv1d_transpose_math.md "A second route to the same numbers", instead of the output
length table on that page), so that a test comparing the two can actually fail.

Layouts are Keras': ``channels_last`` input ``(B, L, C)``; conv1d kernel ``(k, C_in / groups, filters)``;
conv1d_transpose kernel ``(k, filters, C_in)``. Loops run over output positions / input positions and taps; only the
channel contraction is a small matrix product.
"""

import numpy as np


def _ceil_div(a, b):
    return -(-a // b)


def ref_conv_padding(length, kernel_size, strides, padding, dilation_rate):
    """Keras Conv1D zero padding ``(left, right)``; a tuple is returned as given (negative = crop)."""
    k_eff = (kernel_size - 1) * dilation_rate + 1
    if isinstance(padding, tuple):
        return padding
    if padding == "valid":
        return (0, 0)
    if padding == "causal":
        return (k_eff - 1, 0)
    assert padding == "same", padding
    out = _ceil_div(length, strides)
    total = max((out - 1) * strides + k_eff - length, 0)
    return (total // 2, total - total // 2)


def ref_conv1d(x, kernel, bias=None, strides=1, padding="valid", dilation_rate=1, groups=1,
               data_format="channels_last"):
    """``y[b, n, o] = bias[o] + sum_{t, i} xpad[b, n*s + t*d, g*cg + i] * W[t, i, o]`` with ``g = o // (F/groups)``.

    ``xpad`` is ``x`` with ``left`` zeros before and ``right`` zeros after (negative: that many samples dropped).
    """
    x = np.asarray(x)
    kernel = np.asarray(kernel)
    if data_format == "channels_first":
        x = np.transpose(x, (0, 2, 1))
    batch, length, c_in = x.shape
    k, cg_in, filters = kernel.shape
    assert c_in == cg_in * groups and filters % groups == 0
    cg_out = filters // groups
    s, d = strides, dilation_rate
    k_eff = (k - 1) * d + 1
    left, right = ref_conv_padding(length, k, s, padding, d)
    padded = left + length + right
    n_out = (padded - k_eff) // s + 1 if padded >= k_eff else 0
    lo, hi = max(-left, 0), length + min(right, 0)   # readable input samples [lo, hi)
    dtype = np.result_type(x.dtype, kernel.dtype)
    y = np.zeros((batch, n_out, filters), dtype=dtype)
    for n in range(n_out):
        for t in range(k):
            pos = n * s + t * d - left
            if not lo <= pos < hi:
                continue
            for g in range(groups):
                xs = x[:, pos, g * cg_in:(g + 1) * cg_in]                      # (B, cg_in)
                y[:, n, g * cg_out:(g + 1) * cg_out] += xs @ kernel[t, :, g * cg_out:(g + 1) * cg_out]
    if bias is not None:
        y = y + np.asarray(bias)
    if data_format == "channels_first":
        y = np.transpose(y, (0, 2, 1))
    return y


def ref_transpose_window(length, kernel_size, strides, padding, output_padding, dilation_rate):
    """``(c_left, c_right, n_out, full_len)`` from JAX's padding of the dilated input (docs/conv1d_transpose_math.md,
    "A second route to the same numbers").

    lax dilates the input by ``s``, pads it by ``(lo, hi)`` and correlates with the flipped kernel, so the output is the
    full transposed convolution cropped by ``k_eff - 1 - lo`` on the left and ``k_eff - 1 - hi`` on the right.
    """
    s = strides
    k_eff = (kernel_size - 1) * dilation_rate + 1
    if padding == "valid":
        op_eff = max(k_eff, s) - k_eff if output_padding is None else output_padding
        lo = k_eff - 1
        hi = k_eff - 1 + op_eff
    else:
        assert padding == "same", padding
        if output_padding is None:
            pad_len = s + k_eff - 2
        else:
            pad_len = k_eff + k_eff % 2 - 2 + output_padding
        lo = min(_ceil_div(pad_len, 2), k_eff - 1)
        hi = pad_len - lo
    full_len = (length - 1) * s + k_eff
    c_left, c_right = k_eff - 1 - lo, k_eff - 1 - hi
    return c_left, c_right, max(full_len - c_left - c_right, 0), full_len


def ref_conv1d_transpose(x, kernel, bias=None, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                         data_format="channels_last"):
    """Scatter-add ``F[b, j*s + t*d, o] += x[b, j, i] * W[t, o, i]``, then ``y[b, n] = F[b, n + c_left]``
    (0 outside)."""
    x = np.asarray(x)
    kernel = np.asarray(kernel)
    if data_format == "channels_first":
        x = np.transpose(x, (0, 2, 1))
    batch, length, c_in = x.shape
    k, filters, kc_in = kernel.shape
    assert kc_in == c_in
    s, d = strides, dilation_rate
    c_left, _, n_out, full_len = ref_transpose_window(length, k, s, padding, output_padding, d)
    dtype = np.result_type(x.dtype, kernel.dtype)
    full = np.zeros((batch, max(full_len, 0), filters), dtype=dtype)
    for j in range(length):
        for t in range(k):
            full[:, j * s + t * d, :] += x[:, j, :] @ kernel[t].T
    y = np.zeros((batch, n_out, filters), dtype=dtype)
    for n in range(n_out):
        if 0 <= n + c_left < full_len:
            y[:, n, :] = full[:, n + c_left, :]
    if bias is not None:
        y = y + np.asarray(bias)
    if data_format == "channels_first":
        y = np.transpose(y, (0, 2, 1))
    return y
