# %% [markdown]
# # Backprop, drawn
#
# `loss.backward()` walks the recorded graph from the loss back to the parameters, one node at a time, in reverse
# topological order: a tensor's op runs its backward only once **every** use of the tensor has sent its share of the
# gradient (the chain rule sums over uses). This tutorial watches that walk on a two-layer model, a `Conv1D`
# with a ReLU followed by a `Conv1DTranspose`, with a mean squared error:
#
# $$h = \mathrm{relu}(\mathrm{conv1d}(x, W_1) + b_1), \qquad \hat y = \mathrm{conv1d\_transpose}(h, W_2) + b_2,
# \qquad L = \frac{1}{N} \sum_n (\hat y_n - y_n)^2 .$$
#
# Open it as a notebook (`make notebooks` writes `notebooks/08_backprop_drawn.ipynb`; Jupyter with jupytext opens
# this `.py` file directly), or run it as a script: `python tutorials/08_backprop_drawn.py`
# (`TINYGRADCONV_FIGURES=DIR` saves the figures and the animation).

# %% [markdown]
# ## Setup

# %%
import warnings

import numpy as np

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.layers import Conv1D, Conv1DTranspose
from tinygradconv.scripts import figure_path, save_figure

# %% [markdown]
# ## The model and its forward pass
#
# Weights drawn from a seeded generator (float64 throughout, so the numbers printed below can be checked against
# another framework to the last digits): $W_1$ of shape `(3, 1, 2)` (kernel size 3, 1 input channel, 2 filters),
# $W_2$ of shape `(3, 1, 2)` (Keras' transposed layout: kernel size, filters, input channels).

# %%
tg.config.set_floatx("float64")
rng = np.random.default_rng(8)
x_values = rng.standard_normal((1, 6, 1))
y_values = rng.standard_normal((1, 9, 1))
w1, b1 = rng.standard_normal((3, 1, 2)), rng.standard_normal(2) * 0.1
w2, b2 = rng.standard_normal((3, 1, 2)), rng.standard_normal(1) * 0.1

conv = Conv1D(2, 3, activation="relu", name="conv")
up = Conv1DTranspose(1, 3, strides=2, name="up")
x = tg.tensor(x_values)
x.name = "x"
y = tg.tensor(y_values)
y.name = "target y"
conv.build(x.shape)
conv.set_weights([w1, b1])
h = conv(x)
up.build(h.shape)
up.set_weights([w2, b2])
y_hat = up(h)
loss = ((y_hat - y) ** 2).mean()
loss.name = "loss L"
h.name, y_hat.name = "h", "y_hat"
print(f"forward: x {x.shape} -> h {h.shape} -> y_hat {y_hat.shape}; loss {loss.item():.6f}")

# %% [markdown]
# The graph that the forward pass recorded, inputs at the top: each box a tensor (its shape, its values or their
# mean and largest magnitude), each small box an op. The colour key under it: grey arrows are the forward pass; blue
# boxes need a gradient (the kernels, the biases), grey ones need none (the input x, the target y), green ones an op
# made, the light orange one is the loss, and the yellow ones are ops. A layer names the tensor it returns after
# itself ("conv", "up"), as its weights "conv/kernel"; here h and y_hat are named by hand after the calls. An
# unnamed tensor an op made is titled by that op, within the layer whose call ran it: "conv/conv1d" is the output of
# the `conv1d` op run inside the layer `conv`, the convolution with its bias already added (the bias is one of the
# op's three inputs, drawn with an arrow into it) and before the relu, which makes h; "sub" and "pow_scalar", run
# outside any layer, are the loss's own steps.

# %%
ax = viz.plot_graph(loss)
save_figure(ax.figure, "08_graph.png")

# %% [markdown]
# ## The backward pass, step by step
#
# `viz.record_backward()` listens to the engine while `backward()` runs: at each node it records the gradient
# that arrived and what the node's op sent to each input. Nothing is retained on the tensors themselves
# (`h.grad` stays `None`, and reading it warns, as PyTorch does for a tensor that is not a leaf), yet every
# intermediate gradient is there to look at. `backward()` frees the graph as it goes, so it can walk it only once:
# to run this cell again, run the forward pass above first.

# %%
with viz.record_backward() as trace:
    loss.backward()
named = {f"t{i}": bool(t.name) for i, t in enumerate(trace.tensors)}
# each box's title as drawn above: its first line ("conv/conv1d"); an op's label can have a second line too
# ("pow_scalar", then "(·) ** 2"): the op's name is its first line
titles = {n.id: n.short.split("\n")[0] for n in trace.nodes if n.kind == "tensor"}
ops = {n.id: n.label.split("\n")[0] for n in trace.nodes if n.kind == "op"}
for number, step in enumerate(trace.steps):                 # numbered as the animation's frames below
    op, title = ops.get(f"op{step.node[1:]}"), titles[step.node]
    if op is None:
        what = f"{title} (a leaf: its gradient is final)"
    elif named[step.node]:
        what = f"{title} (made by {op})"
    elif "/" in title:
        what = f"{title} (unnamed, made by {op} inside layer {title.rsplit('/', 1)[0]!r})"
    else:
        what = f"{title} (unnamed, made by {op} outside any layer)"
    print(f"step {number + 1}: {what}, gradient norm {np.linalg.norm(step.grad):.6f}")
with warnings.catch_warnings(record=True) as caught:      # h is not a leaf: reading .grad warns, as in PyTorch
    warnings.simplefilter("always")
    print("h.grad after backward:", h.grad)
print("and reading it warned:", caught[0].message)

# %% [markdown]
# The first steps can be checked by hand. The mean squared error sends
# $\partial L / \partial \hat y = \frac{2}{N}(\hat y - y)$ back to the output, and the transposed convolution sends
# back to $h$ the *convolution* of that gradient with the same kernel (its adjoint):

# %%
expected_out = 2 * (y_hat.numpy() - y_values) / y_values.size
print(f"dL/dy_hat: max |recorded - 2(y_hat - y)/N| = {np.abs(trace.grad(y_hat) - expected_out).max():.1e}")
print(f"gradient norms: W1 {np.linalg.norm(conv.kernel.grad.numpy()):.6f}, "
      f"b1 {np.linalg.norm(conv.bias.grad.numpy()):.6f}, W2 {np.linalg.norm(up.kernel.grad.numpy()):.6f}, "
      f"b2 {np.linalg.norm(up.bias.grad.numpy()):.6f}, h {np.linalg.norm(trace.grad(h)):.6f}")

# %% [markdown]
# The same pass drawn: the gradient of the loss at every node (the trace keeps the graph's structure, although
# `backward()` freed the graph itself).

# %%
ax = viz.plot_graph(loss, grads=trace)
save_figure(ax.figure, "08_graph_grads.png")

# %% [markdown]
# ## One node per frame
#
# `viz.animate_backward` replays the pass: a first frame with the seed gradient on the loss and the graph as the
# forward pass left it, then one frame per node (so one frame more than nodes), the node taken in red, the gradients
# it sends back along its input edges in red, partial sums where a tensor is used more than once. The edges a
# gradient has already passed stay blue, their arrows turned back to the inputs, so the gradient is seen travelling
# up from the loss; grey edges have carried none yet (the target's never will: it needs no gradient). It takes the
# trace recorded above, whose graph `backward()` has freed since. (Given a loss whose graph is still there, it
# records a pass of its own and leaves every `.grad` as it was.) The key under each frame is the one under
# `plot_graph`'s pictures above, the same colours in the same words, with the animation's red and blue arrows and its
# pink box added.
# `viz.show_animation` plays it here, as an embedded GIF.

# %%
anim = viz.animate_backward(trace, path=figure_path("08_backward.gif"))
print(f"animation: {len(anim.frame_texts)} frames for {len(anim.trace.steps)} nodes")
viz.show_animation(anim)          # in a notebook: the animation, as an embedded GIF; a script without IPython warns

# %% [markdown]
# ## Why the gradient of a convolution is a transposed convolution
#
# If $y = Cx$ with $C$ the convolution's matrix, then $\partial L/\partial x = C^\top \partial L/\partial y$,
# and $C^\top$ is the transposed convolution with the same kernel. The picture computes both, each through its own
# op.

# %%
fig = viz.plot_gradient_as_transpose(9, kernel=(1.0, 2.0, -1.0), strides=2)
print(f"conv1d input gradient vs conv1d_transpose: max difference "
      f"{np.abs(fig.autograd_grad - fig.transpose_grad).max():.1e}")
save_figure(fig, "08_gradient_as_transpose.png")
tg.config.set_floatx("float32")

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away. The arrays
# given are float64, and the checkers ask for a float64 result: one in float32 is refused, even where it
# rounds within the tolerance.
#
# 1. **Backprop through conv1d.** Write `fn(g, w, strides, input_length)` returning $\partial L/\partial x$ of a
#    `"valid"` `conv1d`, given the output gradient `g`. Check it with
#    `tinygradconv.exercises.check_conv1d_input_gradient(fn)`.
# 2. **The kernel gradient of conv1d.** Write `fn(x, g, kernel_size, strides)` returning $\partial L/\partial w$.
#    Check it with `tinygradconv.exercises.check_conv1d_kernel_gradient(fn)`.
