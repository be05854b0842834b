# %% [markdown]
# # Coming from Keras and from PyTorch
#
# If you already write Keras or PyTorch, you already write most of this package. Its layers, models, optimizers
# and losses take **Keras 3's** names, arguments and weight layouts; its tensors and autograd follow **PyTorch**
# (`backward()`, `.grad`, `no_grad()`). This tutorial trains one small model, an upsampler
# `Conv1D -> Conv1DTranspose -> Dense` of 305 weights, four times from the same starting weights on the same
# batches:
#
# 1. with Keras' API on this package (`Sequential` or the functional API, `compile`, `fit`, `evaluate`,
#    `predict`);
# 2. with a PyTorch-style training loop on this package's tensors (forward, loss, `backward`, optimizer step);
# 3. with real Keras, where it is installed, to show that the numbers agree;
# 4. with real PyTorch, where it is installed, likewise.
#
# Then it saves the model as a Keras 3 `.keras` file, loads it back (in Keras too, where installed) and draws it.
# Keras and PyTorch are **not** dependencies of this package: without them the comparisons are skipped, each
# cell saying so in one printed line, and everything else runs. A note above each comparison gives what it
# printed where they were installed, so that a page built without them (`make docs` installs neither; `.ci/run`
# installs both) still shows the result: `pip install torch keras` and run it again to see it yourself.
#
# Open it as a notebook (`make notebooks` writes `notebooks/09_from_keras_and_pytorch.ipynb`; Jupyter with
# jupytext opens this `.py` file directly), or run it as a script: `python tutorials/09_from_keras_and_pytorch.py`
# (`TINYGRADCONV_FAST=1` for a short run, `TINYGRADCONV_FIGURES=DIR` to save the figure).

# %% [markdown]
# ## Setup
#
# The optional packages are looked up once here. Keras 3 runs on a backend of its own, TensorFlow unless the
# environment variable `KERAS_BACKEND` says otherwise; if you have not chosen one and PyTorch is installed, this
# cell picks `torch` (it must be set before Keras is imported).

# %%
import importlib
import os
import tempfile
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np

import tinygradconv as tg
from tinygradconv import layers, models, optimizers, viz
from tinygradconv.scripts import fast_run, save_figure

FAST = fast_run()
EPOCHS = 5 if FAST else 40
BATCH = 32
LEARNING_RATE, MOMENTUM = 0.05, 0.9


def optional(name, why):
    """The module `name`, or None after one printed line saying why it is missing (a notebook must not skip
    silently)."""
    try:
        return importlib.import_module(name)
    except ImportError as error:    # not installed, or Keras without its backend ('tensorflow' by default)
        print(f"{name} is not available ({type(error).__name__}: {error}): {why}")
        return None


torch = optional("torch", "skipping the PyTorch comparisons (pip install torch)")
if torch is not None:
    import torch.nn.functional as F  # PyTorch's usual spelling

    if "KERAS_BACKEND" not in os.environ:
        os.environ["KERAS_BACKEND"] = "torch"
keras = optional("keras", "skipping the Keras comparisons (pip install keras, and a backend: torch, jax or "
                          "tensorflow)")
h5py = optional("h5py", "the .keras format needs it, so the model is saved as .npz instead "
                        "(pip install tinygradconv[keras-format])")
print("tinygradconv", tg.__version__, "| torch", torch.__version__ if torch else "-",
      "| keras", f"{keras.__version__} on {keras.backend.backend()}" if keras else "-")

# %% [markdown]
# ## The data
#
# `tinygradconv.datasets.resolution_pairs` makes smooth signals of 32 steps (`high`) and keeps every second sample
# of each, plus a little noise (`low`, 16 steps). The model learns to map `low` back to `high`. Arrays are
# `(batch, steps, channels)`, Keras' `channels_last` layout.

# %%
low, high = tg.datasets.resolution_pairs(128, steps=32, factor=2, seed=0)
print("low", low.shape, low.dtype, "-> high", high.shape, high.dtype)

# %% [markdown]
# ## 1. Keras' API, on this package
#
# The model is written as in Keras, with `tinygradconv.layers` and `tinygradconv.models` for `keras.layers` and
# `keras.models`. The weights are laid out as Keras lays them out (a `Conv1D` kernel is `(kernel_size,
# in_channels, filters)`), so `get_weights()` here is what Keras' `set_weights` takes; we keep the starting weights
# in `initial` to start every other version of the model from them.

# %%
def upsampler():
    return models.Sequential([
        layers.Input((16, 1)),
        layers.Conv1D(8, 3, padding="same", activation="relu"),
        layers.Conv1DTranspose(8, 4, strides=2, padding="same", activation="relu"),
        layers.Dense(1),
    ])


tg.random.set_seed(0)           # Keras: keras.utils.set_random_seed(0) (another generator, other numbers)
model = upsampler()
initial = model.get_weights()
model.summary()
print("weight shapes:", [w.shape for w in initial])

# %% [markdown]
# The same model in the functional API (`Input`, layers called on symbolic tensors, `Model(inputs, outputs)`;
# see [the functional API](../docs/keras_compatibility.md#the-functional-api) in the Keras compatibility notes,
# `docs/keras_compatibility.md` in the repository, which each link of this tutorial opens; the link names the
# section): given the same weights, it predicts the same numbers.

# %%
inputs = layers.Input((16, 1))
hidden = layers.Conv1D(8, 3, padding="same", activation="relu")(inputs)
hidden = layers.Conv1DTranspose(8, 4, strides=2, padding="same", activation="relu")(hidden)
functional = models.Model(inputs, layers.Dense(1)(hidden))
functional.set_weights(initial)
print("functional:", functional.count_params(), "weights; max |functional - Sequential| =",
      float(np.max(np.abs(functional.predict(low) - model.predict(low)))))

# %% [markdown]
# `compile`, `fit`, `evaluate` and `predict` as in Keras. SGD with momentum, because Keras' and PyTorch's SGD
# take the same steps (with a constant learning rate and PyTorch's default `dampening=0`): their Adams do not, see
# below. `shuffle=False` so that the other three versions can be fed the very same batches in the same order.

# %%
model.compile(optimizer=optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM), loss="mse")
history = model.fit(low, high, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
losses = history.history["loss"]
print(f"fit: {EPOCHS} epochs of {len(low) // BATCH} batches, loss {losses[0]:.4f} -> {losses[-1]:.4f}")
print(f"evaluate: {model.evaluate(low, high, verbose=0):.4f}; predict: {model.predict(low).shape}")

# %% [markdown]
# ## 2. A PyTorch-style loop, on this package's tensors
#
# The same training written out as in PyTorch: call the model on a tensor, compute the loss, `backward()` puts
# each weight's gradient in its `.grad`, and the optimizer steps. Two differences from `torch.optim`:
#
# * A Keras optimizer holds no parameters (PyTorch's is built with `model.parameters()`), so here `step` and
#   `zero_grad` are **given** them: `opt.step(params)`, `opt.zero_grad(params)`.
# * Clearing the gradients: gradients add up over `backward` calls, as in PyTorch, so they must be cleared before
#   the next one. `opt.zero_grad(params)` sets each `.grad` to `None` (PyTorch's default, `set_to_none=True`);
#   `w.grad = None` or `w.zero_grad()` does it for one weight. We clear right after the step; PyTorch code usually
#   clears just before `backward`: either works, as long as it happens once per batch.
#
# `fit` runs these same operations, in the same order, so the weights agree with `fit`'s to the last bit.

# %%
loop_model = upsampler()
loop_model.set_weights(initial)
params = loop_model.trainable_weights              # torch: list(model.parameters())
opt = optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM)
for epoch in range(EPOCHS):
    for start in range(0, len(low), BATCH):
        xb, yb = tg.tensor(low[start:start + BATCH]), tg.tensor(high[start:start + BATCH])
        loss = ((loop_model(xb) - yb) ** 2).mean()   # torch: F.mse_loss(model(xb), yb)
        loss.backward()
        opt.step(params)                             # torch: opt.step()
        opt.zero_grad(params)                        # torch: opt.zero_grad()


def max_difference(first, second):
    """The largest absolute difference between two lists of arrays of the same shapes."""
    return max(float(np.max(np.abs(np.asarray(a) - np.asarray(b)))) for a, b in zip(first, second))


gap = max_difference(loop_model.get_weights(), model.get_weights())
print(f"PyTorch-style loop: last batch's loss {loss.item():.4f}; max |loop - fit| of the weights = {gap:.1e}")

# %% [markdown]
# ## 3. The Keras original
#
# Real Keras, where it is installed: the same code with `keras.` in place of `tinygradconv.`, started from the same
# weights (`set_weights(initial)` takes them as they are) and fed the same batches. Keras sums the products of
# each convolution in another order than this package, so the results are equal only to float32 rounding: one
# rounding is a relative $2^{-24} \approx 6 \cdot 10^{-8}$, and no weight here is larger than 1 (printed below).
# We accept a difference up to $10^{-5}$, about a hundred such roundings: a porting mistake (another padding, a
# kernel read in the wrong layout, another optimizer rule) moves the numbers by far more, as the PyTorch part
# shows with one.
#
# **What it prints.** The largest difference of each kind, and `within 1e-05: True`: the bound is what the cell
# checks. The differences themselves depend on the machine (its BLAS and Keras' backend sum in their own orders):
# expect some $10^{-8}$ to $10^{-6}$, float32 roundings. On one machine (AMD EPYC, x86-64, NumPy's OpenBLAS; Keras
# 3.15.1 on torch 2.13, CPU), after the short run of 5 epochs that the docs build runs, the weights differed from
# this package's by at most 6.0e-08, the predictions by 1.5e-07 and the losses by 1.5e-08, all within 1e-05; after
# the full 40 epochs (`python tutorials/09_from_keras_and_pytorch.py`), by 1.8e-07, 4.8e-07 and 1.5e-08. On another
# AMD EPYC with the same versions the full run's weights differed by 1.3e-06, with 1 thread or 2 (PyTorch's, below,
# by 1.3e-06 with 1 thread and 2.1e-07 with 2): such gaps are float32 roundings summed in other orders, and they
# change with the CPU and the number of threads; only the bound is a check. Without
# Keras it prints one line saying it is skipped: `pip install torch keras`, restart the kernel and run the notebook
# again.

# %%
TOLERANCE = 1e-5


def report(name, gaps):
    """Print the largest difference of each kind between `name`'s numbers and this package's, and whether
    they are all within the tolerance."""
    print(f"{name} vs this package:", ", ".join(f"max |difference| of the {k} {v:.1e}"
                                                for k, v in gaps.items()))
    print(f"within {TOLERANCE:.0e}:", max(gaps.values()) <= TOLERANCE)


if keras is not None:
    keras_model = keras.Sequential([
        keras.Input((16, 1)),
        keras.layers.Conv1D(8, 3, padding="same", activation="relu"),
        keras.layers.Conv1DTranspose(8, 4, strides=2, padding="same", activation="relu"),
        keras.layers.Dense(1),
    ])
    keras_model.set_weights(initial)
    keras_model.compile(optimizer=keras.optimizers.SGD(learning_rate=LEARNING_RATE, momentum=MOMENTUM),
                        loss="mse")
    keras_history = keras_model.fit(low, high, batch_size=BATCH, epochs=EPOCHS, shuffle=False, verbose=0)
    report("Keras", {"weights": max_difference(keras_model.get_weights(), model.get_weights()),
                     "predictions": max_difference([keras_model.predict(low, verbose=0)],
                                                   [model.predict(low)]),
                     "losses": max_difference([keras_history.history["loss"]], [losses])})
else:
    print("Keras is not available: skipping the comparison with Keras (pip install torch keras, then run this "
          "again; the note above gives what it prints)")
print(f"the largest weight: {max(float(np.max(np.abs(w))) for w in model.get_weights()):.2f}")

# %% [markdown]
# ## 4. The PyTorch original
#
# PyTorch's layers take `(batch, channels, steps)`, so the module moves the channels axis to the front for the
# convolutions and back for `nn.Linear`, which, like `Dense`, acts on the last axis. Where the names differ:
#
# | this package (Keras 3) | PyTorch | |
# |---|---|---|
# | `Conv1D(8, 3, padding="same")` | `nn.Conv1d(1, 8, 3, padding=1)` | |
# | `Conv1DTranspose(8, 4, strides=2, padding="same")` | `nn.ConvTranspose1d(8, 8, 4, stride=2, padding=1)` | |
# | `Dense(1)` | `nn.Linear(8, 1)` | |
# | `activation="relu"` | `torch.relu` in `forward` | |
# | `optimizers.SGD(0.05, momentum=0.9)` | `optim.SGD(params, lr=0.05, momentum=0.9)` | same steps, bar `weight_decay` |
# | `opt.step(params)`, `opt.zero_grad(params)` | `opt.step()`, `opt.zero_grad()` | see part 2 |
# | `loss="mse"` | `F.mse_loss` | |
# | `tg.no_grad()`, `t.backward()`, `t.grad`, `t.item()` | the same | |
#
# The layers infer their input channels when first called (Keras); PyTorch's are told them. The weights: a
# `Conv1D` kernel is `(kernel_size, in, out)` and torch's `Conv1d` weight `(out, in, kernel_size)`; a
# `Conv1DTranspose` kernel is `(kernel_size, out, in)` and torch's `ConvTranspose1d` weight `(in, out,
# kernel_size)`: both are the Keras kernel with its axes reversed, `transpose(2, 1, 0)`. `Linear`'s weight is the
# `Dense` kernel transposed, `(out, in)`; the biases are the same vectors.
#
# torch's `padding=1` pads (or, in the transposed layer, crops) one step on both sides, which is Keras' `"same"`
# here but not in general: `Conv1D.from_torch(module)` and `Conv1DTranspose.from_torch(module)` build the layer
# equal to a torch module, or say why no Keras padding is equal; see
# [From PyTorch layers](../docs/keras_compatibility.md#from-pytorch-layers) and
# [PyTorch, for comparison](../docs/keras_compatibility.md#pytorch-for-comparison) in the Keras compatibility notes.
# SGD ports as it is, but not its `weight_decay` together with momentum: PyTorch adds `weight_decay * w` to the
# gradient, so it goes through the momentum buffer (L2), where Keras shrinks the weight apart from the gradient
# (decoupled, `w *= 1 - weight_decay * lr`); to port it, add `weight_decay / 2 * sum(w ** 2)` to the loss
# instead. Adam does not port as it is: PyTorch adds its epsilon after the bias correction, Keras before it, and
# their default epsilons differ, so a ported Adam loop drifts apart by epsilon's share of each step; see
# [Optimizers: the learning rate and the rounding of a step][adam] in the same notes. PyTorch's
# `Adam(weight_decay=)` is L2 too (Keras' `Adam(weight_decay=)` is PyTorch's `AdamW`), and `RMSprop`, `Adagrad`
# and `NAdam` have other defaults: [Optimizers: porting a PyTorch loop][port] lists them with what to write.
#
# [adam]: ../docs/keras_compatibility.md#optimizers-the-learning-rate-and-the-rounding-of-a-step
# [port]: ../docs/keras_compatibility.md#optimizers-porting-a-pytorch-loop
#
# **What it prints.** As for Keras, the bound the cell checks, `within 1e-05: True`, holds on any machine, and the
# differences are float32 roundings, some $10^{-8}$ to $10^{-6}$, that depend on the machine's BLAS; the mistaken
# layout is far outside it, some $10^{-1}$. On the same machine as above (PyTorch 2.13, CPU), before training, the
# predictions differed from this package's by 8.9e-08, and by 3.0e-01 with the transposed kernel read as `(out, in,
# k)`; after the short run of 5 epochs, the weights by at most 7.5e-08, the predictions by 1.5e-07 and the last
# batch's loss by 0, all within 1e-05; after the full 40 epochs, by 1.3e-06, 6.0e-07 and 3.3e-09. Without PyTorch
# it prints one line saying it is skipped: `pip install torch`, restart the kernel and run the notebook again.

# %%
def reversed_axes(kernel):
    """A Keras convolution kernel as torch's weight, and back: (k, in, out) <-> (out, in, k) for Conv1D,
    (k, out, in) <-> (in, out, k) for Conv1DTranspose."""
    return kernel.transpose(2, 1, 0)


def unchanged(bias):
    return bias


# how each of `initial` (conv kernel, conv bias, transposed kernel, its bias, dense kernel, dense bias) is laid
# out in torch: each of these functions is its own inverse, so they also bring torch's weights back
LAYOUTS = [reversed_axes, unchanged, reversed_axes, unchanged, np.transpose, unchanged]

if torch is not None:
    class TorchUpsampler(torch.nn.Module):
        def __init__(self):
            super().__init__()
            self.conv = torch.nn.Conv1d(1, 8, 3, padding=1)
            self.up = torch.nn.ConvTranspose1d(8, 8, 4, stride=2, padding=1)
            self.dense = torch.nn.Linear(8, 1)

        def forward(self, x):                       # x: (batch, steps, channels), as the data
            h = torch.relu(self.conv(x.permute(0, 2, 1)))
            h = torch.relu(self.up(h))
            return self.dense(h.permute(0, 2, 1))

    def set_torch_weights(module, weights):
        with torch.no_grad():
            for parameter, value, layout in zip(module.parameters(), weights, LAYOUTS):
                parameter.copy_(torch.from_numpy(np.ascontiguousarray(layout(value))))

    def predict_torch(module, x):
        with torch.no_grad():
            return module(torch.from_numpy(x)).numpy()

    torch_model = TorchUpsampler()
    start_model = upsampler()                       # this package's model, untrained
    start_model.set_weights(initial)
    # The mistake the tolerance is there to catch: ConvTranspose1d's weight is (in, out, k); taken for Conv1d's
    # (out, in, k), its in and out axes are swapped, which gives the same shape here (8 channels in and out): no
    # error says so.
    wrong = list(initial)
    wrong[2] = initial[2].transpose(0, 2, 1)
    set_torch_weights(torch_model, wrong)
    mistaken = max_difference([predict_torch(torch_model, low)], [start_model.predict(low)])
    set_torch_weights(torch_model, initial)
    before = max_difference([predict_torch(torch_model, low)], [start_model.predict(low)])
    print(f"before training, max |PyTorch - this package| of the predictions: {before:.1e}; "
          f"with the transposed kernel read as (out, in, k): {mistaken:.1e}")

    torch_opt = torch.optim.SGD(torch_model.parameters(), lr=LEARNING_RATE, momentum=MOMENTUM)
    x_all, y_all = torch.from_numpy(low), torch.from_numpy(high)
    for epoch in range(EPOCHS):
        for start in range(0, len(low), BATCH):
            torch_opt.zero_grad()
            torch_loss = F.mse_loss(torch_model(x_all[start:start + BATCH]), y_all[start:start + BATCH])
            torch_loss.backward()
            torch_opt.step()
    trained = [layout(w.detach().numpy()) for w, layout in zip(torch_model.parameters(), LAYOUTS)]
    report("PyTorch", {"weights": max_difference(trained, model.get_weights()),
                       "predictions": max_difference([predict_torch(torch_model, low)], [model.predict(low)]),
                       "last batch's loss": abs(torch_loss.item() - loss.item())})
else:
    print("PyTorch is not available: skipping the comparison with PyTorch (pip install torch, then run this "
          "again; the note above gives what it prints)")

# %% [markdown]
# ## Saving as a Keras 3 `.keras` file
#
# `model.save("name.keras")` writes the archive Keras 3 writes (its config, the weights, and the compiled
# optimizer's state), which `tinygradconv.models.load_model` and Keras' `keras.saving.load_model` both open (see
# [Keras 3 `.keras` files](../docs/keras_compatibility.md#keras-3-keras-files)). The file goes into a temporary
# folder, deleted at the end of the cell. The `.keras` format needs h5py; without it, the model is saved in this
# package's own `.npz` format instead, which Keras cannot read. With Keras 3.15.1 installed, the model loaded in
# Keras predicts what this package's does within the same 1e-05 (on the machine above, within 1.2e-07 after the
# short run and 2.4e-07 after the full one).

# %%
with tempfile.TemporaryDirectory() as folder:
    path = Path(folder) / ("upsampler.keras" if h5py is not None else "upsampler.tgc.npz")
    model.save(path)
    reloaded = models.load_model(path)
    gap = max_difference([reloaded.predict(low)], [model.predict(low)])
    print(f"saved {path.name}; reloaded here: max |reloaded - model| of the predictions = {gap:.1e}, "
          f"compiled: {reloaded.compiled}")
    if keras is not None and h5py is not None:
        in_keras = keras.saving.load_model(path)
        gap = max_difference([in_keras.predict(low, verbose=0)], [model.predict(low)])
        print(f"reloaded in Keras: {type(in_keras).__name__} of {in_keras.count_params()} weights, "
              f"max |Keras - model| of the predictions = {gap:.1e}")
        print(f"within {TOLERANCE:.0e}:", gap <= TOLERANCE)
    elif keras is None:
        print("Keras is not available: skipping the loading in Keras (pip install torch keras)")
    else:
        print("h5py is not available: Keras cannot read the .npz file, skipping the loading in Keras")

# %% [markdown]
# ## The model, drawn
#
# `tinygradconv.viz.plot_model_connectivity` draws which input steps each layer joins to each output step, and
# counts the paths from the input (channels are not drawn). Look at the last two rows: `Dense` joins each step
# only to itself, it mixes channels and not steps (which is why PyTorch's `nn.Linear` on the channels axis is its
# twin), and every output step away from the ends is reached by the same number of paths: the kernel of 4 is a
# multiple of the stride 2, so the transposed convolution leaves no checkerboard.

# %%
fig = viz.plot_model_connectivity(model, 16)
print("paths reaching each output step:", fig.path_matrix.sum(axis=1).astype(int).tolist())
save_figure(fig, "09_model_connectivity.png")

plt.show()

# %% [markdown]
# ## Exercise
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solution is on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **Port a PyTorch optimizer step.** Write
#    `fn(param, grad, buffer, learning_rate, momentum, weight_decay, nesterov)` returning
#    `(new_param, new_buffer)`: one step of `torch.optim.SGD` as PyTorch documents it (with its default
#    `dampening=0`): `g = grad + weight_decay * param`; `buffer = g` at the first step (when `buffer` is `None`),
#    else `momentum * buffer + g`; then `param - learning_rate * (g + momentum * buffer)` with Nesterov (the new
#    buffer), `param - learning_rate * buffer` without. PyTorch's buffer is not Keras' velocity (tutorial 05's
#    exercise), and its `weight_decay` is added to the gradient, where Keras' shrinks the weight apart from it.
#    Check it with `tinygradconv.exercises.check_torch_sgd_step(fn)`.
