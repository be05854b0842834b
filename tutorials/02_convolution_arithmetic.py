# %% [markdown]
# # Convolution arithmetic
#
# A 1-D convolution slides a kernel of `k` taps along a signal and takes a weighted sum at every position. Four
# numbers decide how many outputs it makes and which inputs each one sees: the input length `L`, the kernel size
# `k`, the stride `s` and the dilation `d`, plus the padding rule. This tutorial runs
# `tinygradconv.ops.conv1d`, checks it against a loop written from the definition, works out output lengths
# and paddings, and ends with the view that makes the next tutorial easy: **a convolution is a matrix**.
#
# Open it as a notebook (`make notebooks` writes `notebooks/02_convolution_arithmetic.ipynb`; Jupyter with
# jupytext opens this `.py` file directly), or run it as a script: `python
# tutorials/02_convolution_arithmetic.py` (`TINYGRADCONV_FIGURES=DIR` saves the figures).

# %% [markdown]
# ## Setup

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.ops import conv1d
from tinygradconv.ops.conv_arithmetic import conv_output_length, conv_padding, effective_kernel_size
from tinygradconv.scripts import save_figure

# %% [markdown]
# ## `conv1d` on a small signal
#
# Layouts are Keras': a batch of signals `(batch, steps, channels)` and a kernel `(k, in_channels, filters)`.
# With `padding="valid"`, stride `s` and dilation `d` the definition is a cross-correlation (no kernel flip):
#
# $$
# y_n = \sum_{t=0}^{k-1} w_t\, x_{n s + t d}
# $$

# %%
signal = np.arange(1.0, 9.0)                       # 1, 2, ..., 8
taps = np.array([1.0, 0.0, -1.0])                  # a difference filter: x[n] - x[n + 2]
x = tg.tensor(signal.reshape(1, -1, 1), dtype="float64")
kernel = tg.tensor(taps.reshape(-1, 1, 1), dtype="float64")
y = conv1d(x, kernel).numpy()[0, :, 0]
naive = np.array([sum(taps[t] * signal[n + t] for t in range(3)) for n in range(len(signal) - 2)])
print("conv1d   :", y)
print("by a loop:", naive, " equal:", np.allclose(y, naive))

# %% [markdown]
# ## Output lengths
#
# `valid` uses only full windows; `same` and `causal` pad so that a stride of 1 keeps the length:
#
# $$
# N_\text{valid} = \left\lfloor \frac{L - k_\text{eff}}{s} \right\rfloor + 1, \qquad
# N_\text{same} = N_\text{causal} = \left\lceil \frac{L}{s} \right\rceil, \qquad k_\text{eff} = (k-1)d + 1
# $$
#
# The integer helpers in `tinygradconv.ops.conv_arithmetic` implement these (the ops, layers and plots all
# use them); `tinygradconv.viz.output_length_formula` spells a case out with its numbers.

# %%
L = 10
print(f"{'k':>2} {'s':>2} {'d':>2} | {'valid':>5} {'same':>5} {'causal':>6}")
for k, s, d in [(3, 1, 1), (3, 2, 1), (4, 3, 1), (3, 1, 2), (2, 1, 3)]:
    lengths = [conv_output_length(L, k, s, p, d) for p in ("valid", "same", "causal")]
    print(f"{k:>2} {s:>2} {d:>2} | {lengths[0]:>5} {lengths[1]:>5} {lengths[2]:>6}")
print(viz.output_length_formula("conv1d", L, 3, strides=2, padding="valid"))

# %% [markdown]
# ## Padding
#
# `same` pads `max((N - 1) s + k_eff - L, 0)` zeros in total, half on the left and the odd one on the right;
# `causal` puts all `k_eff - 1` on the left, so that output `n` never sees an input after `n`.

# %%
for k in (3, 4):
    print(f"k={k}: same pads {conv_padding(L, k, 1, 'same')}, causal pads {conv_padding(L, k, 1, 'causal')}")
print("k=3 with dilation 2 spans", effective_kernel_size(3, 2), "samples")
for padding in ("valid", "same", "causal"):
    print(f"{padding:>6}:", conv1d(x, kernel, padding=padding).numpy()[0, :, 0])

# %% [markdown]
# ## Which input feeds which output
#
# `tinygradconv.viz.plot_connectivity` draws one line per (input, tap) pair, coloured by tap; the lines
# come from the op itself (each tap's one-hot kernel is pushed through `conv1d`). The taps that read a padding
# zero are drawn faint, so every output shows its `k` lines. Here a stride of 2 with
# dilation 2: the odd inputs are never read. The functional op `conv1d` takes both at once, as
# `keras.ops.conv` does; Keras' `Conv1D` layer refuses `strides > 1` together with `dilation_rate > 1`
# (a `ValueError`), and so does tinygradconv's.

# %%
ax = viz.plot_connectivity("conv1d", 9, 3, strides=2, padding="same", dilation_rate=2)
save_figure(ax.figure, "02_connectivity.png")

# %% [markdown]
# ## The convolution as a matrix
#
# For one channel the convolution is linear, so it *is* a matrix $C$ of shape `(N, L)` with
# $C_{nj} = \partial y_n / \partial x_j$: `tinygradconv.viz.connectivity_matrix` computes it by pushing
# the `L` basis vectors through the op. Each row holds the kernel, shifted by the stride.

# %%
C = viz.connectivity_matrix("conv1d", 8, 3, strides=2, padding="same", weights=taps)
print("C =\n", C)
y_strided = conv1d(x, kernel, strides=2, padding="same").numpy()[0, :, 0]
print("C @ x equals conv1d(x):", np.allclose(C @ signal, y_strided))

# %% [markdown]
# The same matrix from the backward pass: row `n` of `C` is the gradient of `y_n` with respect to `x`.

# %%
C_backward = viz.connectivity_matrix("conv1d", 8, 3, strides=2, padding="same", weights=taps, method="backward")
print("forward and backward give the same matrix:", np.array_equal(C, C_backward))

# %% [markdown]
# `tinygradconv.viz.plot_conv_matrix` shows `C` beside its transpose, which is the matrix of a
# *transposed* convolution: the subject of the next tutorial.

# %%
fig = viz.plot_conv_matrix("conv1d", 8, 3, strides=2, padding="same", weights=taps)
save_figure(fig, "02_conv_matrix.png")

plt.show()

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **Conv1D output length.** Write `fn(input_length, kernel_size, strides, padding, dilation_rate)` returning
#    the output length of `conv1d` for `padding` `"valid"`, `"same"` or `"causal"`. When the dilated kernel
#    ($k_\text{eff}$ steps) is longer than the input (possible with `"valid"` only), no window fits and the length
#    is 0: the formula above gives zero or less there, so clamp it at 0. Check it with
#    `tinygradconv.exercises.check_conv_output_length(fn)`.
# 2. **conv1d by hand.** Write `fn(x, w, strides)`: the valid cross-correlation of `x` with `w`, for one channel:
#    `x` and `w` are 1-D NumPy arrays (shapes `(L,)` and `(k,)`, with `k <= L`), and the result is 1-D too, one
#    value per window, $y_n = \sum_t x_{n s + t} w_t$. Check it with `tinygradconv.exercises.check_conv1d(fn)`.
