"""
The Keras ``Conv1DTranspose`` example, step by step
===================================================

Keras documents ``Conv1DTranspose`` with one example: 32 filters, kernel size 3, stride 2, ReLU, applied to a batch
of 4 signals of 10 steps and 128 channels, giving ``(4, 21, 32)``. Here it is in tinygradconv, with the shape of
every piece, and a check of the output against the definition of the transposed convolution written as plain
NumPy loops. A figure shows where the 21 output steps come from.

Run it with ``python examples/seed_example.py [--out DIR]`` (``--fast`` is accepted and changes nothing: it is
instant).
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
from tinygradconv.viz import plot_connectivity

parser = argparse.ArgumentParser(description="The Keras Conv1DTranspose example.")
parser.add_argument("--out", help="folder for the plot (created if its parent exists)")
parser.add_argument("--fast", action="store_true", help="short run (also TINYGRADCONV_FAST=1)")
args, _ = parser.parse_known_args()
FAST = args.fast or fast_run()
try:                                     # --out, else TINYGRADCONV_FIGURES (neither: no files); only the
    OUT = output_folder(args.out, "--out") if args.out is not None else figures_folder()    # last folder is made
except ValueError as error:              # a missing parent: a mistyped path, refused rather than made
    parser.error(str(error))

# %%
# The layer and its input
# -----------------------
# ``Conv1DTranspose(filters, kernel_size, strides, ...)``: the positional order is Keras'.
tg.random.set_seed(0)
layer = Conv1DTranspose(32, 3, 2, activation="relu")
x = np.random.default_rng(0).random((4, 10, 128))
y = layer(x)

print("input: ", x.shape)                # (batch, steps, channels)
print("kernel:", layer.kernel.shape)     # Keras layout: (kernel_size, filters, input channels)
print("bias:  ", layer.bias.shape)
print("output:", y.shape)                # (10 - 1) * 2 + max(3, 2) = 21 steps

# %%
# Why 21 steps? With ``padding="valid"`` each of the 10 input steps writes a copy of the kernel (3 taps) into the
# output, each copy 2 steps after the previous one: ``(10 - 1) * 2 + 3 = 21``. The picture shows it for this
# layer (``viz.plot_connectivity(layer, 10)``, which reads the layer's kernel size, stride and padding): one line
# per input step and tap. Every pair of the 128 input and 32 output channels connects the same steps.
try:
    import matplotlib.pyplot as plt
except ImportError:  # plots are optional
    plt = None
if plt is not None:
    ax = plot_connectivity(layer, 10)
    if OUT:
        ax.figure.savefig(os.path.join(OUT, "seed_example.png"), dpi=100, bbox_inches="tight")
        print("wrote", os.path.join(OUT, "seed_example.png"))

# %%
# The definition, as loops
# ------------------------
# ``out[b, j*s + t, o] += sum_i x[b, j, i] * W[t, o, i]``, then bias and ReLU. The layer computes the same thing
# with one matrix product and three strided additions.
kernel, bias = layer.get_weights()
x32 = x.astype(np.float32)
reference = np.zeros((4, 21, 32))
for j in range(10):
    for t in range(3):
        reference[:, j * 2 + t, :] += x32[:, j, :] @ kernel[t].T
reference = np.maximum(reference + bias, 0.0)

error = float(np.max(np.abs(y.numpy() - reference)))
print(f"max |layer - loops| = {error:.2e}")

# %%
# The stated quality: the right shape, and the loops agree to float32 rounding.
if y.shape != (4, 21, 32) or error > 1e-4:
    raise RuntimeError(f"FAILED: output shape {y.shape}, max difference {error:.2e} (expected (4, 21, 32), <= 1e-4)")
print("OK: output shape (4, 21, 32) and the definition agrees")
