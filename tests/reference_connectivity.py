"""Connectivity matrices of one-channel Conv1D and Conv1DTranspose, by naive loops written from Keras' documented
formulas (independently of ``tinygradconv.ops.conv_arithmetic``), for the tests of ``tinygradconv.viz``.

Nothing here imports tinygradconv. ``J[n, j]`` is the weight with which input step ``j`` reaches output step ``n``:
with an all-ones kernel, the number of paths.
"""

import numpy as np


def ceil_div(a, b):
    return -(-a // b)


def naive_conv(L, k, s, padding, d, w):
    """Keras Conv1D: N and ``J[n, j] = sum_t w_t [j == n*s + t*d - left]``; also the padding ``(left, right)``."""
    ke = (k - 1) * d + 1
    if padding == "valid":
        n_out, left, right = (L - ke) // s + 1, 0, 0
    elif padding == "causal":
        n_out, left, right = ceil_div(L, s), ke - 1, 0
    else:
        n_out = ceil_div(L, s)
        total = max((n_out - 1) * s + ke - L, 0)
        left, right = total // 2, total - total // 2
    jac = np.zeros((max(n_out, 0), L))    # "valid" with the dilated kernel longer than the signal: no output
    for n in range(n_out):
        for t in range(k):
            j = n * s + t * d - left
            if 0 <= j < L:
                jac[n, j] += w[t]
    return jac, (left, right)


def naive_transpose(L, k, s, padding, op, d, w):
    """Keras Conv1DTranspose: N from the table, the left crop, and ``J[n, j] = sum_t w_t [n + c_left == j*s + t*d]``.

    Also returns the full length ``F`` and ``c_left``.
    """
    ke = (k - 1) * d + 1
    if padding == "valid":
        n_out = (L - 1) * s + (max(ke, s) if op is None else ke + op)
        c_left = 0
    elif op is None:
        n_out = L * s
        c_left = max((ke - s) // 2, 0)
    else:
        n_out = (L - 1) * s + ke % 2 + op
        c_left = max((ke - ke % 2 - op) // 2, 0)
    jac = np.zeros((n_out, L))
    for j in range(L):
        for t in range(k):
            n = j * s + t * d - c_left
            if 0 <= n < n_out:
                jac[n, j] += w[t]
    return jac, (L - 1) * s + ke, c_left
