# %% [markdown]
# # The checkerboard effect, measured
#
# Images made by stacks of transposed convolutions often show a faint checkerboard. Odena, Dumoulin and Olah
# ("Deconvolution and Checkerboard Artifacts", Distill, 2016) traced it to **uneven overlap**: when the kernel size
# $k$ is not a multiple of the stride $s$, some output steps receive more copies of the kernel than their
# neighbours. Stacking layers compounds the pattern, and the remedy they propose, *resize-convolution* (upsample by
# repeating samples, then an ordinary convolution), covers every step evenly.
#
# This tutorial reproduces the finding in one dimension: it counts the paths from the input to each output step
# (with all-ones kernels, entry $(n, j)$ of a stack's matrix $P = A_m \cdots A_1$ counts the paths from input step
# $j$ to output step $n$, so the row sums count everything that reaches step $n$), then trains a small upsampler
# both ways and looks for the pattern in what was learned.
#
# Open it as a notebook (`make notebooks` writes `notebooks/07_checkerboard.ipynb`; Jupyter with jupytext opens
# this `.py` file directly), or run it as a script: `python tutorials/07_checkerboard.py`
# (`TINYGRADCONV_FAST=1` for a short run, `TINYGRADCONV_FIGURES=DIR` to save the figures).

# %% [markdown]
# ## Setup

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose, UpSampling1D
from tinygradconv.models import Sequential
from tinygradconv.scripts import fast_run, save_figure

FAST = fast_run()



def inside(counts, margin):
    """The counts away from the ends (the ends see fewer copies whatever the kernel)."""
    return counts[margin: len(counts) - margin]


# %% [markdown]
# ## One transposed convolution
#
# A `Conv1DTranspose` with stride $s$ places a copy of its kernel every $s$ steps. With $k = 4$, $s = 2$ every step
# inside the output is covered by $k / s = 2$ copies; with $k = 3$, $s = 2$ the steps alternate between 1 and 2
# copies: $\lfloor k/s \rfloor$ and $\lceil k/s \rceil$. `viz.overlap_counts` gives the counts, computed through
# the op itself.

# %%
L = 10
for k in (2, 3, 4, 5, 6):
    counts = viz.overlap_counts("conv1d_transpose", L, kernel_size=k, strides=2)
    print(f"single layer k={k}, s=2: inside counts {sorted(set(inside(counts, k).astype(int).tolist()))}")

fig, axes = plt.subplots(2, 1, figsize=(8, 5.2), layout="constrained")
viz.plot_overlap_counts(Conv1DTranspose(1, 3, strides=2), L, ax=axes[0], label="Conv1DTranspose(k=3, s=2)")
viz.plot_overlap_counts(Conv1DTranspose(1, 4, strides=2), L, ax=axes[1], label="Conv1DTranspose(k=4, s=2)")
save_figure(fig, "07_single_layer.png")

# %% [markdown]
# ## Stacked layers compound it
#
# Three $k = 3$, $s = 2$ layers upsample by 8. The counts multiply along the paths, so the pattern now has period
# 8 and a much larger spread between the most and the least covered steps. Resize-convolution, three times
# `UpSampling1D(2)` followed by `Conv1D(k=3, padding="same")`, covers every inner step equally.

# %%
transposed = Sequential([Conv1DTranspose(1, 3, strides=2) for _ in range(3)])
resize = Sequential([layer for _ in range(3) for layer in (UpSampling1D(2), Conv1D(1, 3, padding="same"))])
for name, model in (("transposed", transposed), ("resize", resize)):
    counts = viz.overlap_counts(model, L)
    middle = inside(counts, 16)
    print(f"stack of three, {name}: inside min {middle.min():g} max {middle.max():g}")
# The model's matrix is the product of the layers' own matrices:
product = np.eye(L)
for _, matrix in viz.layer_matrices(transposed, L):
    product = matrix @ product
print("path matrix equals the product of the layer matrices:",
      np.array_equal(product, viz.connectivity_matrix(transposed, L)))

fig, axes = plt.subplots(2, 1, figsize=(9, 5.2), layout="constrained")
viz.plot_overlap_counts(transposed, L, ax=axes[0], label="three Conv1DTranspose(k=3, s=2)")
viz.plot_overlap_counts(resize, L, ax=axes[1], label="three UpSampling1D(2) + Conv1D(k=3, same)")
save_figure(fig, "07_stacks.png")

# %% [markdown]
# Layer by layer, for a short input: the number in each cell counts the paths from the input that reach it.

# %%
fig = viz.plot_connectivity(Sequential([Conv1DTranspose(1, 3, strides=2), Conv1DTranspose(1, 3, strides=2)]), 4)
save_figure(fig, "07_paths.png")
ax = viz.plot_receptive_field(transposed, L, 40)
save_figure(ax.figure, "07_receptive_field.png")

# %% [markdown]
# ## Skip connections add paths
#
# A model with branches (written with the functional API, `layers.Input` and `models.Model(inputs, outputs)`) has
# a path matrix too. Along a branch the layer matrices multiply; where branches meet again in a merge layer (`Add`,
# `Concatenate`, ...) **the path counts add**, because a path through either branch reaches the output. Here a
# transposed-convolution branch ($k = 3$, $s = 2$: 1, 2, 1, 2 paths) meets a resize branch (`UpSampling1D(2)`: one
# path each): the sum alternates 2, 3, so the two branches together are still uneven, but less so relatively.

# %%
inputs = tg.layers.Input((None, 1))
transposed_branch = Conv1DTranspose(1, 3, strides=2, padding="same", name="transposed")(inputs)
resize_branch = UpSampling1D(2, name="repeat")(inputs)
both = tg.models.Model(inputs, tg.layers.Add(name="add")([transposed_branch, resize_branch]))
for name, model in (("transposed branch", tg.models.Model(inputs, transposed_branch)),
                    ("resize branch", tg.models.Model(inputs, resize_branch)), ("their sum", both)):
    print(f"{name}: counts {viz.overlap_counts(model, 6).astype(int).tolist()}")
fig = viz.plot_connectivity(both, 6)
save_figure(fig, "07_skip.png")

# %% [markdown]
# ## In training
#
# Counting paths uses all-ones kernels; a trained kernel could in principle even the pattern out (when the taps
# hitting even and odd steps sum to the same value). Does it? Two upsamplers by 4 learn to map a smooth signal
# sampled every 4 steps back to the full signal: one with two `Conv1DTranspose(k=3, s=2)`, one with two
# `UpSampling1D(2)` + `Conv1D(k=3, same)`. Then both get a **constant** input. Resize-convolution turns a
# constant into a constant away from the ends (every step sees the same weighted sum), whatever its weights;
# the transposed stack does so only if its learned kernels happen to balance. We measure the spread of the four
# phases of the output (period 4: two stride-2 layers) away from the ends.

# %%
tg.random.set_seed(0)
rng = np.random.default_rng(0)
n_signals, steps = (96, 64) if FAST else (256, 64)
t = np.arange(steps) / steps
phases = rng.uniform(0, 2 * np.pi, (n_signals, 3, 1))
freqs = np.array([1.0, 2.0, 3.0]).reshape(1, 3, 1)
amps = rng.uniform(0.2, 1.0, (n_signals, 3, 1))
high = (amps * np.sin(2 * np.pi * freqs * t + phases)).sum(axis=1)[..., None].astype("float32")
low = high[:, ::4]
epochs = 40 if FAST else 200


def upsampler(kind):
    if kind == "transposed":
        layers = [Conv1DTranspose(8, 3, strides=2, padding="same", activation="tanh"),
                  Conv1DTranspose(1, 3, strides=2, padding="same")]
    else:
        layers = [UpSampling1D(2), Conv1D(8, 3, padding="same", activation="tanh"),
                  UpSampling1D(2), Conv1D(1, 3, padding="same")]
    model = Sequential(layers)
    model.compile(optimizer=tg.optimizers.Adam(learning_rate=0.02), loss="mse")
    return model


def phase_spread(y, period=4, margin=8):
    """Largest minus smallest mean over the ``period`` phases, away from the ends: 0 means no pattern."""
    middle = y[margin: len(y) - margin]
    means = [middle[r::period].mean() for r in range(period)]
    return max(means) - min(means)


results = {}
for kind in ("transposed", "resize"):
    model = upsampler(kind)
    history = model.fit(low, high, batch_size=32, epochs=epochs, verbose=0)
    constant = model.predict(np.ones((1, steps // 4, 1), dtype="float32"))[0, :, 0]
    results[kind] = (model, constant)
    print(f"trained {kind}: loss {history.history['loss'][-1]:.4f}, "
          f"constant input -> phase spread {phase_spread(constant):.6f}")

# %%
fig, axes = plt.subplots(2, 1, figsize=(9, 5.4), layout="constrained")
example = low[:1]
for ax, kind in zip(axes, ("transposed", "resize")):
    model, constant = results[kind]
    ax.plot(high[0, :, 0], color="#999999", linewidth=3, label="target")
    ax.plot(model.predict(example)[0, :, 0], color="#1f77b4", label="learned output")
    ax.plot(constant, color="#d62728", linestyle="--", label="output for a constant input")
    ax.set_title(f"{kind}: phase spread on a constant input {phase_spread(constant):.4f}", fontsize=10)
    ax.set_xlabel("step")
    ax.set_ylabel("signal value")
    ax.legend(fontsize=8, loc="center left", bbox_to_anchor=(1.01, 0.5), frameon=False)
save_figure(fig, "07_trained.png")

# %% [markdown]
# The transposed stack's response to a constant wobbles with period 4: the checkerboard, learned. The
# resize-convolution's response is flat away from the ends.
#
# The two also fit differently. The transposed stack's training loss ends about ten times the resize model's
# (0.0615 against 0.0062 at this seed; 0.063 against 0.009 in the short run), and its learned output has spikes
# where the signal slopes. The overlap counts say why: in a stack of two `Conv1DTranspose(k=3, s=2)` every fourth
# output step is reached by a single path, from a single low-resolution sample, whatever the kernels; that phase
# of the output is a function of one sample alone and cannot interpolate between two, so it misses wherever the
# signal changes between samples. In the resize stack every step of the first convolution already sees two
# neighbouring samples (three consecutive values of a signal repeated twice).

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **Overlap counts.** Write `fn(input_length, kernel_size, strides)` returning how many input steps reach
#    each output step of a `"valid"` transposed convolution: an integer array of Keras' output length
#    $(L - 1)s + \max(k, s)$. Note that this differs from tutorial 03's exercise, which asks for the full output
#    of $(L - 1)s + k$ steps: here the counts are those of the layer's own output (what `viz.overlap_counts` and
#    the plots above show), and when the stride is longer than the kernel ($s > k$) Keras' output ends with
#    $s - k$ steps that no input reaches, each with count 0. Check it with
#    `tinygradconv.exercises.check_overlap_counts(fn)`.
# 2. **Resize-convolution overlap.** Write `fn(input_length, size, kernel_size)`: the same count for
#    `UpSampling1D(size)` followed by `Conv1D(kernel_size, padding="same")`. Check it with
#    `tinygradconv.exercises.check_resize_overlap(fn)`.
