# %% [markdown]
# # Write your own differentiable op
#
# Every op in tinygradconv is one `tinygradconv.Function` subclass with two static methods side by side:
# `forward` computes the result from raw backend arrays and saves what the derivative needs; `backward` receives
# the gradient of the output and returns one gradient per input. This tutorial writes two ops, catches a wrong
# derivative with `tinygradconv.gradcheck`, and registers the ops with sample inputs
# (`tinygradconv.register_op`) so that they get the same check as every built-in op, on every backend.
#
# Open it as a notebook (`make notebooks` writes `notebooks/04_custom_op.ipynb`; Jupyter with jupytext opens
# this `.py` file directly), or run it as a script: `python tutorials/04_custom_op.py`.

# %% [markdown]
# ## Setup

# %%
import numpy as np

import tinygradconv as tg
from tinygradconv.autograd import OPS, Sample

# %% [markdown]
# ## A unary op: softsign
#
# $$
# y = \frac{x}{1 + |x|}, \qquad \frac{dy}{dx} = \frac{1}{(1 + |x|)^2}
# $$
#
# `forward` and `backward` get raw arrays and the array namespace `ctx.xp` (NumPy, CuPy or
# array-api-strict); using only `ctx.xp` keeps the op portable. `backward` multiplies the incoming gradient by
# the local derivative (the chain rule).

# %%
class Softsign(tg.Function):
    """``x / (1 + |x|)``, elementwise."""

    @staticmethod
    def forward(ctx, x):
        denominator = 1.0 + ctx.xp.abs(x)
        ctx.save_for_backward(denominator)
        return x / denominator

    @staticmethod
    def backward(ctx, grad):
        (denominator,) = ctx.saved_tensors
        return grad / (denominator * denominator)


def softsign(x):
    """Softsign of a Tensor: ``Function.apply`` runs forward and records the node for backward."""
    return Softsign.apply(x)


x = tg.tensor([-3.0, -0.5, 0.0, 0.5, 3.0], dtype="float64", requires_grad=True)
y = softsign(x)
y.sum().backward()
print("softsign(x) =", y.numpy())
print("dy/dx       =", x.grad.numpy())
print("by formula  =", 1 / (1 + np.abs(x.numpy())) ** 2)


# %% [markdown]
# ## Catching a wrong derivative
#
# `tinygradconv.gradcheck` compares the analytic gradient with central finite differences in float64 and
# names the worst element. Here the backward forgets to square the denominator:

# %%
class WrongSoftsign(Softsign):
    @staticmethod
    def backward(ctx, grad):
        (denominator,) = ctx.saved_tensors
        return grad / denominator                       # wrong: should be divided by denominator ** 2


try:
    tg.gradcheck(WrongSoftsign.apply, x)
except tg.GradcheckError as error:
    print("GradcheckError:", error)

print("the right one passes:", tg.gradcheck(softsign, x))


# %% [markdown]
# ## Two inputs, and skipping unneeded gradients
#
# $$
# h = \sqrt{a^2 + b^2}, \qquad \frac{\partial h}{\partial a} = \frac{a}{h}, \quad
# \frac{\partial h}{\partial b} = \frac{b}{h}
# $$
#
# `ctx.needs_input_grad` tells which inputs want a gradient; `None` means "no gradient for this input".

# %%
class Hypot(tg.Function):
    """``sqrt(a^2 + b^2)``, elementwise (a and b of the same shape)."""

    @staticmethod
    def forward(ctx, a, b):
        h = ctx.xp.sqrt(a * a + b * b)
        ctx.save_for_backward(a, b, h)
        return h

    @staticmethod
    def backward(ctx, grad):
        a, b, h = ctx.saved_tensors
        grad_a = grad * a / h if ctx.needs_input_grad[0] else None
        grad_b = grad * b / h if ctx.needs_input_grad[1] else None
        return grad_a, grad_b


a = tg.tensor([3.0, 5.0], dtype="float64", requires_grad=True)
b = tg.tensor([4.0, 12.0], dtype="float64")            # a constant: no gradient computed for it
h = Hypot.apply(a, b)
h.sum().backward()
print("hypot =", h.numpy(), " dh/da =", a.grad.numpy(), " b.grad =", b.grad)


# %% [markdown]
# ## Registering the ops
#
# `tinygradconv.register_op` names an op and gives it sample calls: float64 arrays become differentiable
# inputs, keyword arguments become attributes, `constant=(i,)` keeps input `i` fixed. The project's test suite
# gradient-checks **every** registered op on every sample and every backend, so a registered op is checked for
# free. (Re-running this cell in a notebook re-defines the classes, so we drop earlier registrations first.)

# %%
for name in ("tutorial_softsign", "tutorial_hypot"):
    OPS.pop(name, None)

tg.register_op("tutorial_softsign", samples=lambda rng: [
    Sample((rng.standard_normal((3, 4)),)),
    Sample((np.array([-4.0, -0.25, 0.25, 4.0]),)),
])(Softsign)
tg.register_op("tutorial_hypot", samples=lambda rng: [
    Sample((rng.uniform(0.5, 2.0, (2, 3)), rng.uniform(-2.0, -0.5, (2, 3)))),
    Sample((rng.uniform(0.5, 2.0, 4), rng.uniform(0.5, 2.0, 4)), constant=(1,)),
])(Hypot)
print("registered:", Softsign.name, Hypot.name)

# %% [markdown]
# ## The registry check
#
# This is what `tests/test_registry_gradcheck.py` does for each registered op: build the sample inputs on a
# backend, then `gradcheck` the op. `array_api_strict` is a strict CPU stand-in for GPU arrays: it rejects
# NumPy-only calls (`np.pad`, `einsum`, ...) that would otherwise only fail on a GPU.

# %%
def check_registered(name, backend):
    info = OPS[name]
    for sample in info.samples(np.random.default_rng(0)):
        inputs = [tg.tensor(arg, dtype="float64", backend=backend, requires_grad=i not in sample.constant)
                  for i, arg in enumerate(sample.args)]
        tg.gradcheck(lambda *ts, kwargs=sample.kwargs: info.function.apply(*ts, **kwargs), *inputs)
    return len(info.samples(np.random.default_rng(0)))


for name in ("tutorial_softsign", "tutorial_hypot"):
    for backend in tg.available_backends():
        count = check_registered(name, backend)
        print(f"{name}: {count} samples on {backend}: OK")

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **A custom op: SiLU.** Write a `Function` subclass computing $x\,\sigma(x)$, forward and backward, with
#    `ctx.xp` only. Check it with `tinygradconv.exercises.check_custom_op(YourClass)` (it also runs your op on
#    array-api-strict arrays, so it needs that package: `make demo` installs it).
# 2. **A two-input op.** Write a `Function` subclass computing $a\,e^{b}$, with both gradients. Check it with
#    `tinygradconv.exercises.check_custom_binary_op(YourClass)`.
