# %% [markdown]
# # Tensors and autograd from scratch
#
# A `tinygradconv.Tensor` is an array plus what automatic differentiation needs. Every operation on tensors
# that require a gradient records a node: which op ran, on which inputs. `backward()` then walks those nodes from
# the output back to the inputs, applying the chain rule one op at a time. In this tutorial we build a small
# function, differentiate it **by hand**, let the engine do it, check both against finite differences, and draw the
# graph the engine recorded.
#
# Open it as a notebook (`make notebooks` writes `notebooks/01_tensors_and_autograd.ipynb`; Jupyter with
# jupytext opens this `.py` file directly), or run it as a script: `python
# tutorials/01_tensors_and_autograd.py` (`TINYGRADCONV_FIGURES=DIR` also saves the figures there).

# %% [markdown]
# ## Setup
#
# `TINYGRADCONV_FIGURES` (optional) names a folder where the figures are saved as PNG files as well (the folder
# is created; its parent must exist).

# %%
import matplotlib.pyplot as plt
import numpy as np

import tinygradconv as tg
from tinygradconv import viz
from tinygradconv.scripts import save_figure

# %% [markdown]
# ## Tensors
#
# A tensor holds its data on a backend (NumPy by default), a dtype and `requires_grad`. Python numbers and lists
# become `float32` (the default float type); we ask for `float64` so that the checks below are exact to ~1e-15.

# %%
x = tg.tensor([0.5, -1.0, 2.0], dtype="float64", requires_grad=True)
w = tg.tensor([1.5, 0.3, -0.4], dtype="float64", requires_grad=True)
b = tg.tensor(0.1, dtype="float64", requires_grad=True)
x.name, w.name, b.name = "x", "w", "b"
print(x)
print("shape", x.shape, "dtype", x.dtype, "leaf:", x.is_leaf)

# %% [markdown]
# ## A small function, and its graph
#
# $$
# z = x \odot w + b, \qquad a = \tanh(z), \qquad L = \sum_i a_i^2
# $$
#
# The function is written once, as two Python functions that every cell below calls: change it here, and the
# engine's gradients, the checks and the graph all follow. The gradients by hand do not: they are derived below
# for this $z$, so change that derivation too, and the comparison with the engine tells you whether it is right.
# Each op they run is also recorded: `z._ctx` is the node that
# made `z` (its op and its inputs). The underscore marks it as the engine's own record, read here to see how the
# engine works; PyTorch calls its counterpart `z.grad_fn`. Leaves (tensors we made ourselves) have no node
# (`x.is_leaf`). An input without a name is called below after the op that made it; the graph draws it as a box
# titled after that op, under that op's small box, and numbers the results of an op used more than once in the
# graph's order, top to bottom: here "mul 1" (`x * w`) and "mul 2" (`a * a`).

# %%
def f(x, w, b):
    """z = x * w + b (on tensors, and on NumPy arrays for the gradients by hand)."""
    return x * w + b


def squashed_loss(z):
    """a = tanh(z) and L = sum_i a_i^2."""
    a = z.tanh()
    return a, (a * a).sum()


z = f(x, w, b)
a, loss = squashed_loss(z)
z.name, a.name, loss.name = "z", "a", "loss"
print("loss =", loss.item())
print("z was made by:", z._ctx.fn.name, "from", [t.name or f"the output of {t._ctx.fn.name}" for t in z._ctx.inputs])
print("x is a leaf:", x.is_leaf)

# %% [markdown]
# ## Gradients by hand
#
# The chain rule, one step at a time, from the output back to the inputs:
#
# $$
# \frac{\partial L}{\partial a} = 2a, \quad
# \frac{\partial L}{\partial z} = 2a\,(1 - a^2), \quad
# \frac{\partial L}{\partial w} = \frac{\partial L}{\partial z} \odot x, \quad
# \frac{\partial L}{\partial x} = \frac{\partial L}{\partial z} \odot w, \quad
# \frac{\partial L}{\partial b} = \sum_i \frac{\partial L}{\partial z_i}
# $$

# %%
xv, wv, bv = x.numpy(), w.numpy(), b.numpy()
av = np.tanh(f(xv, wv, bv))
dz = 2 * av * (1 - av**2)
hand = {"x": dz * wv, "w": dz * xv, "b": dz.sum()}
print("by hand: dL/dx =", hand["x"], " dL/dw =", hand["w"], " dL/db =", hand["b"])

# %% [markdown]
# ## Gradients by the engine
#
# `backward()` visits the nodes in reverse topological order and calls each op's `backward` with the gradient
# of its output. We keep the graph (`retain_graph=True`) so that we can draw it afterwards. The cell first sets
# every `.grad` to `None`: gradients add up (see "Two rules worth knowing" below), and this way running the cell
# again gives the same numbers.

# %%
for t in (x, w, b):
    t.grad = None
loss.backward(retain_graph=True)
engine = {"x": x.grad.numpy(), "w": w.grad.numpy(), "b": b.grad.numpy()}
worst = max(float(np.max(np.abs(engine[k] - hand[k]))) for k in hand)
print("by the engine: dL/dx =", engine["x"])
print(f"max |engine - hand| = {worst:.1e}")

# %% [markdown]
# ## And by finite differences
#
# `tinygradconv.gradcheck` compares the engine's gradients with central differences
# $(L(x + \epsilon e_i) - L(x - \epsilon e_i)) / 2\epsilon$, element by element, and names the worst
# mismatch when they disagree.

# %%
ok = tg.gradcheck(lambda x, w, b: squashed_loss(f(x, w, b))[1], x, w, b)
print("gradcheck:", ok)

# %% [markdown]
# ## The graph
#
# `tinygradconv.viz.plot_graph` draws the recorded graph (ops as small yellow boxes with the op's name, tensors as
# larger boxes with their shape, data and, for leaves, gradient); `tinygradconv.viz.to_dot` gives the same graph as
# Graphviz text (there the ops are ellipses). The key under the picture names the grey arrows (the forward pass) and
# the box colours it uses: blue, a leaf that needs a gradient (a parameter); grey, a tensor that needs none (an input,
# a target: this graph has none, so its key leaves grey out; tutorial 08's shows it); green, a tensor an op made
# (titled by that op and numbered: "mul 1", "mul 2"); light orange, the output (the loss); yellow, an op.
# `viz.animate_backward` shows the same key, with its red and blue arrows added.
# Note the two edges from `a` into `mul`: `a * a` uses `a` twice, and its gradient is the sum of both.

# %%
ax = viz.plot_graph(loss)
save_figure(ax.figure, "01_graph.png")
print(viz.to_dot(loss).splitlines()[0], "...", viz.to_dot(loss).count("->"), "edges")

# %% [markdown]
# ## Two rules worth knowing
#
# **Gradients accumulate.** A second `backward` adds to `.grad` (as in PyTorch); clear it between steps.

# %%
for t in (x, w, b):
    t.grad = None
loss.backward(retain_graph=True)
loss.backward(retain_graph=True)
print("after two backward passes, dL/db doubled:", np.isclose(b.grad.item(), 2 * hand["b"]))
for t in (x, w, b):
    t.zero_grad()
print("after zero_grad:", x.grad)

# %% [markdown]
# **Backward frees the graph.** Without `retain_graph=True` every node releases its saved arrays and its inputs.
# A second pass raises an error, and a drawing finds one edge left: `loss` still knows the op that made it (`sum`,
# marked "freed by backward"), but that op no longer knows its inputs, so everything above it is gone. (The cell
# builds the loss anew first, so that it can run again.)

# %%
_, loss = squashed_loss(f(x, w, b))
loss.backward()
try:
    loss.backward()
except RuntimeError as error:
    print("RuntimeError:", str(error).split(".")[0])
print("graph after a plain backward:", viz.to_dot(loss).count("->"), "edge left")

plt.show()

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **Gradients by hand.** Write `fn(x, w, b)` returning $\partial L/\partial x$, $\partial L/\partial w$,
#    $\partial L/\partial b$ for $L = \sum_i \tanh(x_i w_i + b)^2$: `x` and `w` are 1-D NumPy arrays of the same
#    length, multiplied elementwise (`x * w`, not a dot product), and `b` is a number added to every step. Check it
#    with `tinygradconv.exercises.check_manual_gradient(fn)`.
# 2. **Finite differences.** Write `fn(f, x, eps)`: the central-difference estimate of the gradient of `f` at
#    `x`. Check it with `tinygradconv.exercises.check_finite_differences(fn)`.
