# %% [markdown]
# # Train a toy model end to end
#
# The data come from a hidden transposed convolution (`tinygradconv.datasets.hidden_kernel`): `y` is
# `conv1d_transpose(x, kernel) + bias` plus a little noise. We learn the kernel back twice: first with a training
# loop written by hand (forward, loss, backward, update, zero the gradients), then with `Sequential.fit`, which
# does the same with an optimizer, a validation split and a history. Finally a **regularizer** (an L2 penalty added
# to the loss) and a **constraint** (a projection applied after every update) change what is learned.
#
# Open it as a notebook (`make notebooks` writes `notebooks/05_train_a_toy_model.ipynb`; Jupyter with jupytext
# opens this `.py` file directly), or run it as a script: `python tutorials/05_train_a_toy_model.py`
# (`TINYGRADCONV_FAST=1` for a short run, `TINYGRADCONV_FIGURES=DIR` to save the figures).

# %% [markdown]
# ## Setup
#
# The shapes of the problem are named once here and used everywhere below, so that changing one of them (a longer
# kernel, another stride) works through the whole notebook.

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1DTranspose
from tinygradconv.ops import conv1d_transpose
from tinygradconv.scripts import fast_run, save_figure

FAST = fast_run()
EPOCHS = 15 if FAST else 40
STEPS = 16            # input signal length
IN_CHANNELS = 2
FILTERS = 1           # output channels
KERNEL_SIZE = 4
STRIDES = 2



# %% [markdown]
# ## The data
#
# The sizes are the constants of the Setup cell: `IN_CHANNELS` input channels, `FILTERS` output channels, a kernel
# of `KERNEL_SIZE` taps, stride `STRIDES`, `padding="same"`, so that every signal of `STEPS` steps becomes
# `STEPS * STRIDES` steps long (the shapes are printed below). The hidden kernel has Keras' transposed layout,
# `(KERNEL_SIZE, FILTERS, IN_CHANNELS)`.

# %%
tg.random.set_seed(0)
data = tg.datasets.hidden_kernel(256, steps=STEPS, in_channels=IN_CHANNELS, filters=FILTERS,
                                 kernel_size=KERNEL_SIZE, strides=STRIDES, padding="same", noise=0.02, seed=0)
print("x", data.x.shape, "-> y", data.y.shape, "; hidden kernel", data.kernel.shape)

# %% [markdown]
# ## A training loop by hand
#
# The parameters are plain `float32` tensors (the data's dtype) with `requires_grad=True`. Each step: forward
# pass, mean squared error, `backward` (the gradients land in `.grad`), a gradient-descent update done under
# `no_grad` (the update must not be recorded), and `zero_grad` because gradients accumulate.

# %%
rng = np.random.default_rng(0)
kernel = tg.tensor(0.1 * rng.standard_normal((KERNEL_SIZE, FILTERS, IN_CHANNELS)), dtype="float32",
                   requires_grad=True)
bias = tg.tensor(np.zeros(FILTERS), dtype="float32", requires_grad=True)
x_all, y_all = tg.tensor(data.x), tg.tensor(data.y)
learning_rate, batch = 0.1, 32
hand_losses = []
for epoch in range(EPOCHS):
    order = rng.permutation(len(data.x))
    total = 0.0
    for start in range(0, len(order), batch):
        index = order[start:start + batch]
        xb, yb = x_all[index], y_all[index]
        prediction = conv1d_transpose(xb, kernel, bias, strides=STRIDES, padding="same")
        loss = ((prediction - yb) ** 2).mean()
        loss.backward()
        with tg.no_grad():
            for p in (kernel, bias):
                p.data = (p - learning_rate * p.grad).data
                p.zero_grad()
        total += loss.item() * len(index)
    hand_losses.append(total / len(order))
print(f"hand-written loop: loss {hand_losses[0]:.4f} -> {hand_losses[-1]:.4f}")
print(f"hand-written loop: max |kernel - hidden| = {np.max(np.abs(kernel.numpy() - data.kernel)):.3f}")

# %% [markdown]
# ## The same with `fit`
#
# A `Conv1DTranspose` layer owns the kernel and bias; `compile` picks the optimizer (Adam) and the loss;
# `fit` shuffles, batches, updates, and records the training and validation losses in a `History`.

# %%
def make_model(**layer_options):
    tg.random.set_seed(0)
    layer = Conv1DTranspose(FILTERS, KERNEL_SIZE, strides=STRIDES, padding="same", **layer_options)
    model = tg.models.Sequential([layer])
    model.compile(optimizer=tg.optimizers.Adam(learning_rate=0.05), loss="mse")
    return model, layer


model, layer = make_model()
history = model.fit(data.x, data.y, batch_size=32, epochs=EPOCHS, validation_split=0.25, verbose=0)
plain_error = float(np.max(np.abs(layer.kernel.numpy() - data.kernel)))
print(f"fit: loss {history.history['loss'][0]:.4f} -> {history.history['loss'][-1]:.4f}, "
      f"val_loss -> {history.history['val_loss'][-1]:.4f}")
print(f"fit: max |kernel - hidden| = {plain_error:.3f}")
fig = viz.plot_history(history, logy=True)
save_figure(fig, "05_history.png")


# %% [markdown]
# ## A regularizer at work
#
# `kernel_regularizer=L2(l2)` adds $l_2 \sum w^2$ to the loss (`model.losses` holds the current
# penalty), so the learned kernel is pulled towards zero: a smaller norm, at the price of a larger data error.

# %%
model_l2, layer_l2 = make_model(kernel_regularizer=tg.regularizers.L2(0.05))
model_l2.fit(data.x, data.y, batch_size=32, epochs=EPOCHS, verbose=0)
norm_plain = float(np.linalg.norm(layer.kernel.numpy()))
norm_l2 = float(np.linalg.norm(layer_l2.kernel.numpy()))
print(f"kernel norm: {norm_plain:.3f} without, {norm_l2:.3f} with L2(0.05); "
      f"penalty now {float(sum(p.item() for p in model_l2.losses)):.4f}")
# the price: the data error (the mean squared error, without the penalty) of each model on all the samples
data_plain = float(np.mean((np.asarray(model.predict(data.x)) - data.y) ** 2))
data_l2 = float(np.mean((np.asarray(model_l2.predict(data.x)) - data.y) ** 2))
print(f"data loss (MSE on all samples): {data_plain:.5f} without, {data_l2:.5f} with L2(0.05)")

# %% [markdown]
# ## A constraint at work
#
# `kernel_constraint=NonNeg()` projects the kernel after every optimizer update (negative taps are set to 0).
# The hidden kernel has negative taps, so the constrained model cannot fit them; all its taps stay >= 0.

# %%
model_nn, layer_nn = make_model(kernel_constraint=tg.constraints.NonNeg())
history_nn = model_nn.fit(data.x, data.y, batch_size=32, epochs=EPOCHS, verbose=0)
print(f"NonNeg: smallest tap {layer_nn.kernel.numpy().min():.3f} (hidden kernel's smallest "
      f"{data.kernel.min():.3f}); final loss {history_nn.history['loss'][-1]:.4f}")

# %% [markdown]
# The hidden kernel (short black lines) and the three learned ones, tap by tap, for each input channel. The three
# learned values of a tap are drawn side by side, shifted 0.2 to the left (`fit`), not shifted (`fit + L2`) and shifted
# 0.2 to the right (`fit + NonNeg`), so that none hides another; all three belong to the tap numbered below them,
# and each one's height is its value. With more than one filter (`FILTERS` in the Setup cell), each filter has a
# row of its own.

# %%
fig, axes = plt.subplots(FILTERS, IN_CHANNELS, figsize=(4 * IN_CHANNELS, 3.2 * FILTERS), sharey=True,
                         layout="constrained", squeeze=False)   # a row per filter, a column per input channel
taps = np.arange(KERNEL_SIZE)
learned = ((layer, "fit", "x", "C0", -0.2), (layer_l2, "fit + L2", "s", "C1", 0.0),
           (layer_nn, "fit + NonNeg", "^", "C2", 0.2))
for (filter_index, channel), axis in np.ndenumerate(axes):
    axis.hlines(data.kernel[:, filter_index, channel], taps - 0.35, taps + 0.35, color="black", linewidth=2,
                label="hidden", zorder=2)
    for lay, label, marker, color, shift in learned:  # open markers, drawn over the lines
        axis.plot(taps + shift, lay.kernel.numpy()[:, filter_index, channel], marker, color=color, mfc="none",
                  markersize=7, markeredgewidth=1.5, label=label, zorder=3)
    axis.axhline(0.0, color="grey", linewidth=0.5, zorder=1)
    axis.set(xlabel="tap", xticks=taps, xlim=(-0.6, KERNEL_SIZE - 0.4),
             title=f"Kernel taps, input channel {channel}" + (f", filter {filter_index}" if FILTERS > 1 else ""))
for axis in axes[:, 0]:
    axis.set_ylabel("weight")
fig.legend(*axes[0, 0].get_legend_handles_labels(), loc="outside lower center", ncol=4, fontsize=9)
save_figure(fig, "05_kernels.png")

plt.show()

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **An optimizer step.** Write `fn(param, grad, velocity, learning_rate, momentum, nesterov)` returning
#    `(new_param, new_velocity)`: one step of SGD with momentum (and Nesterov), as Keras does it:
#    `m <- momentum * m - learning_rate * grad`, then `w <- w + m`, or with Nesterov
#    `w <- w + momentum * m - learning_rate * grad` (with the new `m`). The velocity starts at zeros. Check it with
#    `tinygradconv.exercises.check_sgd_momentum(fn)`.
# 2. **An Adam step.** Write `fn(param, grad, m, v, iteration, learning_rate, beta_1, beta_2, epsilon)` returning
#    `(param, m, v)` after one step of Adam, bias correction included, as Keras does it:
#    `m <- beta_1 * m + (1 - beta_1) * grad`, `v <- beta_2 * v + (1 - beta_2) * grad**2`, then
#    `param <- param - alpha * m / (sqrt(v) + epsilon)` with the bias correction folded into the step size,
#    `alpha = learning_rate * sqrt(1 - beta_2**iteration) / (1 - beta_1**iteration)` (`iteration` counts from 1;
#    `m` and `v` start at zeros and are returned without bias correction). The textbook form (Kingma and Ba),
#    `param - learning_rate * m_hat / (sqrt(v_hat) + epsilon)` with `m_hat = m / (1 - beta_1**iteration)` and
#    `v_hat = v / (1 - beta_2**iteration)`, is the same step with `epsilon` scaled by
#    `sqrt(1 - beta_2**iteration)`: it differs from Keras' in the last digits, enough for the checker to refuse it.
#    Check it with `tinygradconv.exercises.check_adam_step(fn)`.
