"""
A denoising autoencoder with a weight constraint
================================================

Noisy signals (white noise of std 0.3 on smooth sums of sinusoids) go through a ``Conv1D`` encoder that halves their
length and a ``Conv1DTranspose`` decoder that restores it. Both kernels carry an L2 ``kernel_regularizer`` (its
penalty is added to the loss) and a ``MaxNorm`` ``kernel_constraint``: after every optimizer step, each filter whose
L2 norm exceeds the limit is scaled back onto it.

The stated quality: the test MSE is at least 70% lower than that of the noisy input (60% in the short ``--fast``
run), and after training every filter norm is within the ``MaxNorm`` limit.

Run it with ``python examples/denoising_autoencoder.py [--out DIR] [--fast]``.
"""

# %%
# Command-line options (shared by every example): ``--out DIR`` for plots (else TINYGRADCONV_FIGURES), ``--fast``
# for a short run (else TINYGRADCONV_FAST).
import argparse
import os

import numpy as np

import tinygradconv as tg
from tinygradconv.constraints import MaxNorm
from tinygradconv.layers import Conv1D, Conv1DTranspose
from tinygradconv.regularizers import L2
from tinygradconv.scripts import fast_run, figures_folder, output_folder
from tinygradconv.viz import plot_history

parser = argparse.ArgumentParser(description="Train a convolutional denoising autoencoder with MaxNorm.")
parser.add_argument("--out", help="folder for the plots (created if its parent exists)")
parser.add_argument("--fast", action="store_true", help="short run (also TINYGRADCONV_FAST=1)")
args, _ = parser.parse_known_args()
FAST = args.fast or fast_run()
try:                                     # --out, else TINYGRADCONV_FIGURES (neither: no files); only the
    OUT = output_folder(args.out, "--out") if args.out is not None else figures_folder()    # last folder is made
except ValueError as error:              # a missing parent: a mistyped path, refused rather than made
    parser.error(str(error))
N_TRAIN, EPOCHS = (256, 8) if FAST else (512, 20)
REQUIRED = 0.60 if FAST else 0.70
LIMIT = 0.3  # the MaxNorm limit on each filter's L2 norm

# %%
# The data
# --------
tg.random.set_seed(0)
noisy, clean = tg.datasets.noisy_pairs(N_TRAIN + 256, steps=64, noise=0.3, seed=0)
x_train, x_test, y_train, y_test = noisy[:N_TRAIN], noisy[N_TRAIN:], clean[:N_TRAIN], clean[N_TRAIN:]

# %%
# The model
# ---------
# ``MaxNorm(LIMIT, axis=[0, 1])`` takes the norm over the taps and the second kernel axis, so each slice along the
# last kernel axis is one constrained vector: for the ``Conv1D`` kernel ``(k, in, filters)`` that is each filter;
# for the ``Conv1DTranspose`` kernel ``(k, filters, in)`` each input channel's weights.
encoder = Conv1D(16, 9, strides=2, padding="same", activation="relu", kernel_regularizer=L2(1e-4),
                 kernel_constraint=MaxNorm(LIMIT, axis=[0, 1]))
decoder = Conv1DTranspose(1, 9, strides=2, padding="same", kernel_regularizer=L2(1e-4),
                          kernel_constraint=MaxNorm(LIMIT, axis=[0, 1]))
model = tg.models.Sequential([encoder, decoder])
model.compile(optimizer=tg.optimizers.Adam(learning_rate=0.01), loss="mse")
history = model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, validation_data=(x_test, y_test), verbose=0)

# %%
# Results
# -------
denoised = model.predict(x_test)
mse_model = float(np.mean((denoised - y_test) ** 2))
mse_noisy = float(np.mean((x_test - y_test) ** 2))
penalty = sum(float(p.item()) for p in model.losses)
norms = {name: np.sqrt((layer.kernel.numpy().astype(np.float64) ** 2).sum(axis=(0, 1)))
         for name, layer in (("encoder", encoder), ("decoder", decoder))}
max_norm = max(float(n.max()) for n in norms.values())
at_limit = sum(int((n > 0.99 * LIMIT).sum()) for n in norms.values())
total = sum(n.size for n in norms.values())
print(f"test MSE: noisy input {mse_noisy:.4f}, denoised {mse_model:.4f} ({1 - mse_model / mse_noisy:.0%} lower)")
print(f"L2 penalty of the kernels: {penalty:.2e}")
print(f"max kernel norm: {max_norm:.6f} (MaxNorm limit {LIMIT}); {at_limit} of {total} vectors sit at the limit")

# %%
# Plots: the training curve, a test signal, and the filter norms against the limit.
try:
    import matplotlib.pyplot as plt
except ImportError:  # plots are optional
    plt = None
if plt is not None:
    fig, (ax1, ax2, ax3) = plt.subplots(1, 3, figsize=(11, 3.4))
    plot_history(history, metrics="loss", ax=ax1, logy=True)    # training loss includes the L2 penalty
    ax1.axhline(mse_noisy, color="grey", linestyle=":", label="noisy input")
    ax1.set(ylabel="MSE", title="Training")
    ax1.legend(fontsize=8)
    t = np.arange(x_test.shape[1])
    ax2.plot(t, x_test[0, :, 0], color="grey", lw=0.8, label="noisy")
    ax2.plot(t, y_test[0, :, 0], color="black", lw=1, label="clean")
    ax2.plot(t, denoised[0, :, 0], color="C0", lw=1.5, label="denoised")
    ax2.set(xlabel="step", title="A test signal")
    ax2.legend(fontsize=8)
    for i, (name, n) in enumerate(norms.items()):
        ax3.bar(np.arange(n.size) + 0.4 * i, n, width=0.4, label=name)
    ax3.axhline(LIMIT, color="red", linestyle="--", label=f"MaxNorm limit {LIMIT}")
    # The legend in two rows (one row is wider than the panel), in the free band above the limit that no bar can
    # pass: encoder and decoder side by side, the limit below them (a legend fills its columns one after the other).
    ax3.set(xlabel="filter / channel", ylabel="L2 norm", title="Kernel norms after training", ylim=(0, 1.5 * LIMIT))
    handles, labels = ax3.get_legend_handles_labels()
    order = [labels.index(name) for name in ("encoder", f"MaxNorm limit {LIMIT}", "decoder")]
    ax3.legend([handles[i] for i in order], [labels[i] for i in order], fontsize=8, ncol=2, loc="upper center")
    fig.tight_layout()
    if OUT:
        fig.savefig(os.path.join(OUT, "denoising_autoencoder.png"), dpi=100)
        print("wrote", os.path.join(OUT, "denoising_autoencoder.png"))

# %%
# The stated quality: denoising works, and the constraint holds (up to float32 rounding).
gain = 1 - mse_model / mse_noisy
if not gain >= REQUIRED:
    raise RuntimeError(f"FAILED: the test MSE is only {gain:.0%} lower than the noisy input's "
                       f"(required {REQUIRED:.0%})")
if not max_norm <= LIMIT * (1 + 1e-5):
    raise RuntimeError(f"FAILED: a kernel norm {max_norm:.6f} exceeds the MaxNorm limit {LIMIT}")
print(f"OK: {gain:.0%} lower MSE than the noisy input, and every kernel norm is within {LIMIT}")
