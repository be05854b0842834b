"""
Recovering a hidden transposed-convolution kernel
=================================================

Data made by a known ``Conv1DTranspose`` (kernel size 4, stride 2, ``padding="same"``, 2 input channels, 1 filter)
are fitted by a fresh ``Conv1DTranspose`` layer with the same arguments. The problem is a linear least-squares fit,
so gradient descent must find the hidden kernel and bias *exactly*: the example checks that every kernel entry is
recovered to within ``1e-4`` (``1e-2`` in the short ``--fast`` run) and plots the error epoch by epoch.

Run it with ``python examples/learn_hidden_kernel.py [--out DIR] [--fast]``.
"""

# %%
# Command-line options (shared by every example): ``--out DIR`` for plots (else TINYGRADCONV_FIGURES), ``--fast``
# for a short run (else TINYGRADCONV_FAST).
import argparse
import os

import numpy as np

import tinygradconv as tg
from tinygradconv.layers import Conv1DTranspose
from tinygradconv.scripts import fast_run, figures_folder, output_folder
from tinygradconv.viz import plot_history

parser = argparse.ArgumentParser(description="Recover a hidden Conv1DTranspose kernel by training.")
parser.add_argument("--out", help="folder for the plots (created if its parent exists)")
parser.add_argument("--fast", action="store_true", help="short run (also TINYGRADCONV_FAST=1)")
args, _ = parser.parse_known_args()
FAST = args.fast or fast_run()
try:                                     # --out, else TINYGRADCONV_FIGURES (neither: no files); only the
    OUT = output_folder(args.out, "--out") if args.out is not None else figures_folder()    # last folder is made
except ValueError as error:              # a missing parent: a mistyped path, refused rather than made
    parser.error(str(error))
EPOCHS = 20 if FAST else 40
TOLERANCE = 1e-2 if FAST else 1e-4

# %%
# The data
# --------
# :func:`tinygradconv.datasets.hidden_kernel` draws inputs ``x`` and a kernel, and computes
# ``y = conv1d_transpose(x, kernel) + bias`` with plain NumPy loops (independently of the op we train).
tg.random.set_seed(0)
data = tg.datasets.hidden_kernel(256, steps=16, in_channels=2, filters=1, kernel_size=4, strides=2,
                                 padding="same", seed=0)
print("x:", data.x.shape, " y:", data.y.shape, " hidden kernel:", data.kernel.shape)

# %%
# The model and its training
# --------------------------
# One layer with the hidden layer's arguments; Adam; the mean squared error. A callback records, after every
# epoch, the largest difference between the learned and the hidden kernel.
layer = Conv1DTranspose(1, 4, strides=2, padding="same")
model = tg.models.Sequential([layer])
model.compile(optimizer=tg.optimizers.Adam(learning_rate=0.05), loss="mse")

kernel_error = []


def record(epoch, logs):
    kernel_error.append(float(np.max(np.abs(layer.kernel.numpy() - data.kernel))))


history = model.fit(data.x, data.y, batch_size=32, epochs=EPOCHS, verbose=0,
                    callbacks=[tg.callbacks.LambdaCallback(on_epoch_end=record)])

# %%
# The result
# ----------
bias_error = float(np.max(np.abs(layer.bias.numpy() - data.bias)))
print("hidden kernel (taps x input channels):\n", data.kernel[:, 0, :].round(4))
print("learned kernel:\n", layer.kernel.numpy()[:, 0, :].round(4))
print(f"final loss: {history.history['loss'][-1]:.3e}")
print(f"max kernel error: {kernel_error[-1]:.3e} (tolerance {TOLERANCE:g}), max bias error: {bias_error:.3e}")

# %%
# Plots: the training loss, the kernel error per epoch (log scales), and the taps themselves.
try:
    import matplotlib.pyplot as plt
    from matplotlib.ticker import FuncFormatter
except ImportError:  # plots are optional
    plt = None
if plt is not None:
    fig, (ax0, ax1, ax2) = plt.subplots(1, 3, figsize=(11, 3.4))
    plot_history(history, ax=ax0, logy=True)
    ax0.set_title("Training loss")              # titled as the other two panels (plot_history's is "loss", smaller)
    ax1.semilogy(np.arange(1, EPOCHS + 1), kernel_error, marker="o", markersize=3)
    ax1.axhline(TOLERANCE, color="grey", linestyle=":", label=f"tolerance {TOLERANCE:g}")
    ax1.set(xlabel="epoch", ylabel="max |learned - hidden|", title="Kernel error")
    ax1.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))   # 0.001, as the loss panel's
    ax1.legend(fontsize=8)
    taps = np.arange(4)
    for c, color in zip(range(2), ("C0", "C1")):
        ax2.plot(taps, data.kernel[:, 0, c], "o", color=color, mfc="none", markersize=10,
                 label=f"hidden, channel {c}")
        ax2.plot(taps, layer.kernel.numpy()[:, 0, c], "x", color=color, label=f"learned, channel {c}")
    ax2.set(xlabel="tap", ylabel="weight", title="Kernel taps", xticks=taps)
    ax2.legend(fontsize=8)
    fig.tight_layout()
    if OUT:
        fig.savefig(os.path.join(OUT, "learn_hidden_kernel.png"), dpi=100)
        print("wrote", os.path.join(OUT, "learn_hidden_kernel.png"))

# %%
# The stated quality: every kernel entry within the tolerance.
if not kernel_error[-1] <= TOLERANCE:
    raise RuntimeError(f"FAILED: max kernel error {kernel_error[-1]:.3e} > {TOLERANCE:g}")
print("OK: the hidden kernel was recovered")
