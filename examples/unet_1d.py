"""
A 1-D U-Net built with the functional API
=========================================

A U-Net is an encoder-decoder with *skip connections*: the encoder halves the signal's length twice with strided
``Conv1D`` layers, the decoder doubles it back with ``Conv1DTranspose`` layers, and at each scale the decoder's
output is joined (``Concatenate``) with the encoder's output of the same length, so fine detail that the coarse
bottleneck loses comes back through the skip. Such a graph is not a plain stack: it is written with the
functional API, ``layers.Input`` and ``models.Model(inputs, outputs)``, as in Keras.

The task: denoise sums of three sinusoids of 1 to 12 cycles per signal (``tinygradconv.datasets.noisy_pairs``,
white noise of std 0.5, which hides most of the signal). The baseline is the best moving average (box filter),
its window chosen on the training set.

The stated quality: the U-Net's test MSE is at least 25% lower than the best moving average's (20% in the short
``--fast`` run).

The first figure shows a test signal and the training curve. The second shows what the whole model connects
(``viz.plot_connectivity(model, 16)``, on 16 steps so that the cells stay readable): one row per layer call in
topological order, the number of paths from the input reaching each step, and the two skip connections as red
brackets. At each ``Concatenate`` the path counts of the two branches add: the skip brings back paths that the
bottleneck's coarse steps spread out.

Run it with ``python examples/unet_1d.py [--out DIR] [--fast]``.
"""

# %%
# Command-line options (shared by every example): ``--out DIR`` for plots (else TINYGRADCONV_FIGURES), ``--fast``
# for a short run (else TINYGRADCONV_FAST).
import argparse
import os

import numpy as np

import tinygradconv as tg
from tinygradconv import layers
from tinygradconv.scripts import fast_run, figures_folder, output_folder
from tinygradconv.viz import connectivity_matrix, plot_connectivity, plot_history

parser = argparse.ArgumentParser(description="Train a 1-D U-Net to denoise signals.")
parser.add_argument("--out", help="folder for the plots (created if its parent exists)")
parser.add_argument("--fast", action="store_true", help="short run (also TINYGRADCONV_FAST=1)")
args, _ = parser.parse_known_args()
FAST = args.fast or fast_run()
try:                                     # --out, else TINYGRADCONV_FIGURES (neither: no files); only the
    OUT = output_folder(args.out, "--out") if args.out is not None else figures_folder()    # last folder is made
except ValueError as error:              # a missing parent: a mistyped path, refused rather than made
    parser.error(str(error))
N_TRAIN, EPOCHS = (512, 10) if FAST else (2048, 10)  # 10: where the validation loss stops falling
REQUIRED = 0.20 if FAST else 0.25
STEPS, NOISE = 64, 0.5

# %%
# The data
# --------
tg.random.set_seed(0)
noisy, clean = tg.datasets.noisy_pairs(N_TRAIN + 256, steps=STEPS, noise=NOISE, seed=0, frequency_range=(1.0, 12.0))
x_train, x_test, y_train, y_test = noisy[:N_TRAIN], noisy[N_TRAIN:], clean[:N_TRAIN], clean[N_TRAIN:]
# The last eighth of the training signals is held out for validation (the training curve, the number of epochs);
# the test signals are used only once, for the final numbers.
n_val = N_TRAIN // 8
x_fit, x_val, y_fit, y_val = x_train[:-n_val], x_train[-n_val:], y_train[:-n_val], y_train[-n_val:]

# %%
# The baseline: a moving average of ``w`` steps (zeros beyond the ends, like ``padding="same"``), the best odd
# ``w`` on the training set.


def moving_average(x, window):
    kernel = np.ones(window) / window
    return np.stack([np.convolve(signal, kernel, mode="same") for signal in x[..., 0]])[..., None]


windows = range(1, 16, 2)
best_window = min(windows, key=lambda w: np.mean((moving_average(x_train, w) - y_train) ** 2))
mse_baseline = float(np.mean((moving_average(x_test, best_window) - y_test) ** 2))

# %%
# The model
# ---------
# Each ``layers.X(...)(tensor)`` call records one step of the graph; the shapes are known before any data flows.
inputs = layers.Input((STEPS, 1), name="noisy")
e1 = layers.Conv1D(16, 5, padding="same", activation="relu", name="encode_64")(inputs)
e2 = layers.Conv1D(32, 5, strides=2, padding="same", activation="relu", name="encode_32")(e1)
bottom = layers.Conv1D(32, 5, strides=2, padding="same", activation="relu", name="bottom_16")(e2)
d2 = layers.Conv1DTranspose(32, 5, strides=2, padding="same", activation="relu", name="decode_32")(bottom)
d2 = layers.Concatenate(name="skip_32")([d2, e2])           # the skip connection at length 32
d1 = layers.Conv1DTranspose(16, 5, strides=2, padding="same", activation="relu", name="decode_64")(d2)
d1 = layers.Concatenate(name="skip_64")([d1, e1])           # and at length 64
outputs = layers.Conv1D(1, 1, name="denoised")(d1)
model = tg.models.Model(inputs, outputs, name="unet_1d")
model.summary()

model.compile(optimizer=tg.optimizers.Adam(learning_rate=0.003), loss="mse")
history = model.fit(x_fit, y_fit, batch_size=32, epochs=EPOCHS, validation_data=(x_val, y_val), verbose=0)

# %%
# Results
# -------
denoised = model.predict(x_test)
mse_model = float(np.mean((denoised - y_test) ** 2))
mse_noisy = float(np.mean((x_test - y_test) ** 2))
print(f"test MSE: noisy input {mse_noisy:.4f}, moving average (window {best_window}) {mse_baseline:.4f}, "
      f"U-Net {mse_model:.4f} ({1 - mse_model / mse_baseline:.0%} lower than the moving average)")

# %%
# What the whole model connects: entry ``(n, j)`` of its path matrix counts the routes from input step ``j`` to
# output step ``n`` through the graph (one channel per layer, all-ones kernels; at each skip the two branches'
# counts add). Its non-zero entries in a row are the receptive field of that output step.
paths = connectivity_matrix(model, STEPS)
middle = STEPS // 2
seen = np.nonzero(paths[middle])[0]
print(f"path matrix {paths.shape}: output step {middle} is reached from input steps {seen.min()} to {seen.max()} "
      f"by {paths[middle].sum():.0f} paths")

# %%
# Plots: a test signal and the training curve. (Each figure has its own cell, so that the docs show each one at
# the page's full width.)
try:
    import matplotlib.pyplot as plt
except ImportError:  # plots are optional
    plt = None
if plt is not None:
    fig = plt.figure(figsize=(10, 3.4), layout="constrained")
    ax1, ax2 = fig.add_subplot(1, 2, 1), fig.add_subplot(1, 2, 2)
    t = np.arange(STEPS)
    ax1.plot(t, x_test[0, :, 0], color="grey", lw=0.8, label="noisy")
    ax1.plot(t, y_test[0, :, 0], color="black", lw=1, label="clean")
    ax1.plot(t, moving_average(x_test[:1], best_window)[0, :, 0], color="C1", lw=1, label="moving average")
    ax1.plot(t, denoised[0, :, 0], color="C0", lw=1.5, label="U-Net")
    ax1.set(xlabel="step", title="A test signal")
    ax1.legend(fontsize=8, ncol=2)
    plot_history(history, metrics="loss", ax=ax2, logy=True)
    ax2.axhline(mse_baseline, color="C1", linestyle=":", label="moving average (test)")
    ax2.set(ylabel="MSE", title="Training")
    ax2.legend(fontsize=8)
    if OUT:
        fig.savefig(os.path.join(OUT, "unet_1d.png"), dpi=100)
        print("wrote", os.path.join(OUT, "unet_1d.png"))

# %%
# The whole model, layer call by layer call, on 16 steps (16 -> 8 -> 4 -> 8 -> 16) so that the cells stay
# readable: a model-level view of the path counts, with the skips drawn as brackets.
if plt is not None:
    graph = plot_connectivity(model, 16)
    if OUT:
        graph.savefig(os.path.join(OUT, "unet_1d_connectivity.png"), dpi=100)
        print("wrote", os.path.join(OUT, "unet_1d_connectivity.png"))

# %%
# The stated quality.
gain = 1 - mse_model / mse_baseline
if not gain >= REQUIRED:
    raise RuntimeError(f"FAILED: the U-Net's test MSE is only {gain:.0%} lower than the moving average's "
                       f"(required {REQUIRED:.0%})")
print(f"OK: the U-Net's test MSE is {gain:.0%} lower than the best moving average's (required {REQUIRED:.0%})")
