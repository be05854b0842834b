"""
Upsampling noisy signals with Conv1DTranspose
=============================================

A low-resolution signal keeps every 2nd (or 4th) sample of a smooth signal, plus noise (std 0.1). Linear
interpolation is itself a transposed convolution (stride ``factor``, a triangle kernel of ``2 * factor`` taps), but it
passes the noise straight through. Here a small model, a ``Conv1D`` encoder on the low-resolution signal followed by
a ``Conv1DTranspose`` decoder with stride 2 (or 4), learns to interpolate *and* denoise.

The stated quality: on held-out signals, the model's mean squared error is at least 30% lower than linear
interpolation's, for both factors (at least 15% lower in the short ``--fast`` run).

Run it with ``python examples/signal_upsampler.py [--out DIR] [--fast]``.
"""

# %%
# Command-line options (shared by every example): ``--out DIR`` for plots (else TINYGRADCONV_FIGURES), ``--fast``
# for a short run (else TINYGRADCONV_FAST).
import argparse
import os

import numpy as np

import tinygradconv as tg
from tinygradconv.layers import Conv1D, Conv1DTranspose
from tinygradconv.scripts import fast_run, figures_folder, output_folder
from tinygradconv.viz.history import LEGEND_HANDLELENGTH, plot_history

parser = argparse.ArgumentParser(description="Learn to upsample noisy signals; compare with linear interpolation.")
parser.add_argument("--out", help="folder for the plots (created if its parent exists)")
parser.add_argument("--fast", action="store_true", help="short run (also TINYGRADCONV_FAST=1)")
args, _ = parser.parse_known_args()
FAST = args.fast or fast_run()
try:                                     # --out, else TINYGRADCONV_FIGURES (neither: no files); only the
    OUT = output_folder(args.out, "--out") if args.out is not None else figures_folder()    # last folder is made
except ValueError as error:              # a missing parent: a mistyped path, refused rather than made
    parser.error(str(error))
N_TRAIN, EPOCHS = (256, 12) if FAST else (512, 30)
MARGIN = 0.15 if FAST else 0.30          # required relative MSE reduction over linear interpolation


# %%
# The baseline: linear interpolation between the known samples (``np.interp``; constant after the last one).
def linear_interpolation(low, factor):
    t_high = np.arange(low.shape[1] * factor)
    return np.stack([np.interp(t_high, t_high[::factor], row) for row in low[:, :, 0]])[:, :, None]


# %%
# The model
# ---------
# ``Conv1D`` (8 filters, 7 taps, tanh) looks at the low-resolution neighbourhood; ``Conv1DTranspose`` with
# ``strides=factor`` and ``4 * factor`` taps writes each low-resolution step into ``factor`` output steps, overlapping
# its neighbours' contributions, exactly like an interpolation kernel, but learned.
def upsampler(factor):
    return tg.models.Sequential([
        Conv1D(8, 7, padding="same", activation="tanh"),
        Conv1DTranspose(1, 4 * factor, strides=factor, padding="same"),
    ])


# %%
# Training, for factors 2 and 4
# -----------------------------
results = {}
for factor in (2, 4):
    tg.random.set_seed(0)
    low, high = tg.datasets.resolution_pairs(N_TRAIN + 256, steps=128, factor=factor, noise=0.1, seed=factor)
    x_train, x_test, y_train, y_test = low[:N_TRAIN], low[N_TRAIN:], high[:N_TRAIN], high[N_TRAIN:]
    model = upsampler(factor)
    model.compile(optimizer=tg.optimizers.Adam(learning_rate=0.02), loss="mse")
    # validation: the last 20% of the training signals, held out of the fit (Keras' validation_split); the test
    # signals stay unseen until the final comparison with linear interpolation
    history = model.fit(x_train, y_train, batch_size=32, epochs=EPOCHS, validation_split=0.2, verbose=0)
    prediction = model.predict(x_test)
    mse_model = float(np.mean((prediction - y_test) ** 2))
    mse_linear = float(np.mean((linear_interpolation(x_test, factor) - y_test) ** 2))
    results[factor] = {"history": history, "mse_model": mse_model, "mse_linear": mse_linear, "x": x_test[0],
                       "y": y_test[0], "prediction": prediction[0],
                       "linear": linear_interpolation(x_test[:1], factor)[0]}
    print(f"factor {factor}: {low.shape[1]} -> {high.shape[1]} steps, test MSE model {mse_model:.5f}, "
          f"linear interpolation {mse_linear:.5f} ({1 - mse_model / mse_linear:.0%} lower)")

if FAST:
    print("(short run: fewer signals and epochs)")

# %%
# Plots: the training curves, and one test signal with both reconstructions.
try:
    import matplotlib.pyplot as plt
except ImportError:  # plots are optional
    plt = None
if plt is not None:
    fig, axes = plt.subplots(2, 2, figsize=(12, 7), layout="constrained")
    for row, factor in enumerate((2, 4)):
        r = results[factor]
        plot_history(r["history"], metrics="loss", ax=axes[row, 0], logy=True)   # validation: 20% of training
        axes[row, 0].axhline(r["mse_linear"], color="grey", linestyle=":", label="linear interpolation (test)")
        axes[row, 0].set(ylabel="MSE", title=f"factor {factor}: training")
        axes[row, 0].legend(fontsize=9, handlelength=LEGEND_HANDLELENGTH)   # the dashes of "validation" show
        t = np.arange(len(r["y"]))
        axes[row, 1].plot(t, r["y"][:, 0], color="black", lw=1, label="truth")
        axes[row, 1].plot(t[::factor], r["x"][:, 0], "o", ms=3, color="grey", label="noisy low resolution")
        axes[row, 1].plot(t, r["linear"][:, 0], color="C1", lw=1, label="linear interpolation")
        axes[row, 1].plot(t, r["prediction"][:, 0], color="C0", lw=1.5, label="model")
        axes[row, 1].set(xlabel="step", ylabel="signal value", title=f"factor {factor}: a test signal")
    # one legend for both signal panels, beside them: inside, it covered the signal
    fig.legend(*axes[0, 1].get_legend_handles_labels(), loc="outside right center", fontsize=10)
    if OUT:
        fig.savefig(os.path.join(OUT, "signal_upsampler.png"), dpi=150)
        print("wrote", os.path.join(OUT, "signal_upsampler.png"))

# %%
# The stated quality.
for factor, r in results.items():
    gain = 1 - r["mse_model"] / r["mse_linear"]
    if not gain >= MARGIN:
        raise RuntimeError(f"FAILED: factor {factor}: the model's MSE is only {gain:.0%} lower than linear "
                         f"interpolation's (required: {MARGIN:.0%})")
print(f"OK: the model beats linear interpolation by at least {MARGIN:.0%} for factors 2 and 4")
