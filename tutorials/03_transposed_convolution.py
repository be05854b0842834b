# %% [markdown]
# # The transposed convolution
#
# A strided convolution maps a long signal to a short one with a matrix $C$ (tutorial 2). The **transposed
# convolution** is the linear map with the matrix $C^\top$: it goes from short to long, each input
# *scattering* a copy of the kernel into the output, where the copies overlap and add up. It is also exactly what
# backpropagation does through a convolution. This tutorial checks both facts through the ops, then works through
# Keras' arguments (`padding`, `output_padding` — where `None` and `0` differ — and `dilation_rate`) with
# connectivity plots, and ends with the checkerboard pattern that appears when the kernel size is not a multiple of
# the stride.
#
# Open it as a notebook (`make notebooks` writes `notebooks/03_transposed_convolution.ipynb`; Jupyter with
# jupytext opens this `.py` file directly), or run it as a script: `python
# tutorials/03_transposed_convolution.py` (`TINYGRADCONV_FIGURES=DIR` saves the figures and the step-by-step
# GIF).

# %% [markdown]
# ## Setup

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.ops import conv1d, conv1d_transpose
from tinygradconv.ops.conv_arithmetic import (
    conv_padding,
    conv_transpose_output_length,
    matching_conv_padding,
)
from tinygradconv.scripts import figure_path, save_figure


def column(values):
    """A batch of one single-channel float64 signal, ``(1, L, 1)``."""
    return tg.tensor(np.asarray(values, dtype=float).reshape(1, -1, 1), dtype="float64")


# %% [markdown]
# ## The transpose of the convolution's matrix
#
# Take the strided convolution of tutorial 2 (`L = 8`, `k = 3`, `s = 2`, `padding="same"`): its matrix
# `C` is `4 x 8`. `conv1d_transpose` with the **same kernel** (no flip), stride and padding maps 4 samples
# back to 8, and its result is `C.T @ y`.

# %%
taps = np.array([1.0, 2.0, -1.0])
kernel = tg.tensor(taps.reshape(-1, 1, 1), dtype="float64")
C = viz.connectivity_matrix("conv1d", 8, 3, strides=2, padding="same", weights=taps)
y = np.array([1.0, -2.0, 0.5, 3.0])
up = conv1d_transpose(column(y), kernel, strides=2, padding="same").numpy()[0, :, 0]
print("conv1d_transpose(y) =", up)
print("C.T @ y             =", C.T @ y)
# The identity needs an output of L = 8 samples, one per column of C. With "same" and the default
# output_padding=None, conv1d_transpose returns len(y) * s samples, which is L only when s divides L (L=10, s=3:
# 12 samples for C's 10 columns). For such an L, pass the output_padding that gives L samples (the next section;
# for L=10, s=3 it is 0).
print("conv1d_transpose(y) equals C.T @ y:", np.allclose(up, C.T @ y))

# %% [markdown]
# Why it appears in backpropagation: if $y = C x$, then $\partial L / \partial x = C^\top\,
# \partial L / \partial y$. So the gradient that `conv1d` sends back to its input is a transposed convolution of
# the output gradient.

# %%
x = tg.tensor(np.linspace(-1, 1, 8).reshape(1, 8, 1), dtype="float64", requires_grad=True)
out = conv1d(x, kernel, strides=2, padding="same")
out.backward(column(y))
print("input gradient of conv1d equals conv1d_transpose:", np.allclose(x.grad.numpy()[0, :, 0], up))

# %% [markdown]
# `tinygradconv.viz.plot_conv_matrix` puts the two matrices side by side, each computed through its own op
# (the conv1d through `conv1d`, the transposed one through `conv1d_transpose`).

# %%
fig = viz.plot_conv_matrix("conv1d_transpose", 4, 3, strides=2, padding="same", weights=taps)
save_figure(fig, "03_conv_matrix.png")

# %% [markdown]
# ## Output lengths, and `output_padding=None` versus `0`
#
# Several input lengths of a strided convolution give the same output length (`ceil(L / s)`), so going back is
# ambiguous; Keras resolves it with `padding` and `output_padding`:
#
# | padding | output_padding | output length $N$ |
# |---|---|---|
# | `valid` | `None` | $(L - 1)\,s + \max(k_\text{eff}, s)$ |
# | `valid` | $p$ | $(L - 1)\,s + k_\text{eff} + p$ |
# | `same` | `None` | $L\,s$ |
# | `same` | $p$ | $(L - 1)\,s + (k_\text{eff} \bmod 2) + p$ |
#
# `None` is not `0`: with `valid` and a kernel shorter than the stride, `None` keeps the output a whole
# multiple of the stride (a zero tail), `0` does not.

# %%
L = 4
print(f"L={L}, s=2 | {'valid/None':>10} {'valid/0':>8} {'valid/1':>8} | {'same/None':>9} {'same/0':>7} "
      f"{'same/1':>7}")
for k in (1, 2, 3, 4):
    row = [conv_transpose_output_length(L, k, 2, p, op) for p in ("valid", "same") for op in (None, 0, 1)]
    print(f"k={k:<6} | {row[0]:>10} {row[1]:>8} {row[2]:>8} | {row[3]:>9} {row[4]:>7} {row[5]:>7}")
print(viz.output_length_formula("conv1d_transpose", L, 2, strides=3))
print(viz.output_length_formula("conv1d_transpose", L, 2, strides=3, output_padding=0))

# %% [markdown]
# ## Connectivity plots
#
# `tinygradconv.viz.plot_connectivity` draws the transposed convolution as the direct convolution it is
# equivalent to: **zeros inserted** between the strided inputs, **padding** at both ends (`k_eff − 1` zeros a side,
# so that each position of the full result below is the window of `k_eff` cells above it: this padding belongs to
# the picture, not to Keras' `padding`, which pads no input but crops the output), and every position of the full
# result, of which Keras **crops** some. Lines are the (input, tap) connections, computed through the op; the taps
# that land in cropped positions are drawn faint.

# %%
ax = viz.plot_connectivity("conv1d_transpose", 5, 3, strides=2, padding="same")
save_figure(ax.figure, "03_connectivity_same.png")

# %% [markdown]
# With a kernel shorter than the stride and `output_padding=None`, some outputs receive no input at all: they
# hold only the bias (hatched yellow).

# %%
ax = viz.plot_connectivity("conv1d_transpose", 4, 2, strides=3, weights=[1.0, -0.5])
save_figure(ax.figure, "03_connectivity_bias_only.png")

# %% [markdown]
# Dilation spreads the taps `d` samples apart: `k_eff = (k - 1) d + 1`. With a stride of 2 too, as here, only the
# functional op takes it (as `keras.ops.conv_transpose` does): the `Conv1DTranspose` layer, Keras' and this
# package's, refuses `strides > 1` together with `dilation_rate > 1`.

# %%
ax = viz.plot_connectivity("conv1d_transpose", 4, 3, strides=2, dilation_rate=2)
save_figure(ax.figure, "03_connectivity_dilated.png")

# %% [markdown]
# ## The one exception to "same transposes same"
#
# The matching conv1d of a transposed convolution uses the same kernel, stride and dilation, padded by the
# transposed op's crops. For Keras padding names this is the conv1d with the same `padding`, except for
# `"same"` with an explicit `output_padding` where `k_eff % 2 + output_padding == 0`: the transposed output
# has `(L - 1) s` samples and a `"same"` convolution of it would give `L - 1` values, not `L`. The
# identity $T = C^\top$ still holds with the explicit padding.

# %%
for k, op in ((3, None), (4, 0)):
    n = conv_transpose_output_length(5, k, 2, "same", op)
    print(f"k={k}, output_padding={op}: N={n}, matching conv1d pads {matching_conv_padding(k, 2, 'same', op)}, "
          f"Keras 'same' would pad {conv_padding(n, k, 2, 'same')}")
fig = viz.plot_conv_matrix("conv1d_transpose", 5, 4, strides=2, padding="same", output_padding=0)
save_figure(fig, "03_same_exception.png")

# %% [markdown]
# ## The checkerboard
#
# Feed a constant signal through a transposed convolution whose kernel is all ones. Each output counts how many
# kernel copies overlap there. When `k` is a multiple of `s` every interior output gets `k / s` copies; when
# it is not, the counts alternate, and so do the values: the *checkerboard artifact* of upsampling networks.

# %%
ones = column(np.ones(8))
flat = {k: conv1d_transpose(ones, tg.tensor(np.ones((k, 1, 1)), dtype="float64"), strides=2,
                            padding="same").numpy()[0, :, 0] for k in (3, 4)}
for k, values in flat.items():
    print(f"k={k}, s=2:", values.astype(int).tolist())

fig, axes = plt.subplots(2, 1, figsize=(6, 3.6), sharex=True, sharey=True)   # one panel each: no line hides another
for axis, (k, values), color in zip(axes, flat.items(), ("tab:blue", "tab:orange")):
    axis.step(np.arange(values.size), values, where="mid", color=color)
    axis.plot(np.arange(values.size), values, "o", color=color, markersize=3)
    axis.set(ylabel="output", title=f"kernel size {k}, stride 2", yticks=[0, 1, 2])
    axis.set_ylim(0, 2.6)
axes[1].set_xlabel("output position")
fig.suptitle("A constant input, upsampled by 2")
fig.tight_layout()
save_figure(fig, "03_checkerboard.png")

# %% [markdown]
# The overlap, step by step: `tinygradconv.viz.animate_transposed_conv` scatters one input per frame (the
# accumulated values come from the op itself) and finally crops to the output. Cell colour counts the copies
# received so far. Pass `path="scatter.gif"` to write the GIF; `viz.show_animation(anim)` plays it right here in a
# notebook, as a GIF embedded in the page (no video codec and no network needed).

# %%
anim = viz.animate_transposed_conv([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0], strides=2, padding="same",
                                   path=figure_path("03_scatter.gif"))
partials, counts = viz.scatter_steps([1.0, 2.0, 3.0, 4.0], [1.0, 1.0, 1.0], strides=2)
print("overlap count per full-output position:", counts[-1].astype(int).tolist())
viz.show_animation(anim)          # in a notebook: the animation, as an embedded GIF; a script without IPython warns

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **Conv1DTranspose output length.** Write `fn(input_length, kernel_size, strides, padding, output_padding,
#    dilation_rate)`. Check it with `tinygradconv.exercises.check_output_length(fn)`.
# 2. **conv1d_transpose by hand.** Write `fn(x, w, strides)`: the full transposed convolution of one channel,
#    every input step $x_j$ adding $x_j w_t$ to output step $j s + t$. It has $(L - 1)s + k$ values, where the last
#    input's copy of the kernel ends. That is Keras' `valid` output of the table above when $k \ge s$; when the
#    stride is longer than the kernel ($s > k$), Keras' $(L - 1)s + \max(k, s)$ adds $s - k$ zeros at the end,
#    which no input reaches, and the full output leaves them out. Check it with
#    `tinygradconv.exercises.check_conv1d_transpose(fn)`.
