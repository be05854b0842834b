# %% [markdown]
# # Backends: NumPy, array-api-strict and CuPy
#
# Every op is written once, against the [Python Array API](https://data-apis.org/array-api/) namespace `xp` of
# its inputs. The same code therefore runs on **NumPy** (the default), on **CuPy** (NVIDIA GPUs), and on
# **array-api-strict**, a CPU stand-in that refuses everything the standard does not promise, so that code which
# would only break on a GPU breaks on a laptop instead. This tutorial runs the forward and backward pass of a
# training step (the loss and the kernel's gradient; no optimizer update) on each available backend, compares the
# results, shows what the strict backend refuses and what a mix of backends raises, and runs
# the CuPy part only where a GPU is present.
#
# The strict backend needs the array-api-strict package (`pip install array-api-strict`; `make test` and `make
# demo` install it). Without it, the parts that use it are skipped, saying so, and the exercises' checkers refuse
# to pass an answer: only strict arrays tell portable code from NumPy-only code.
#
# Open it as a notebook (`make notebooks` writes `notebooks/06_backends.ipynb`; Jupyter with jupytext opens
# this `.py` file directly), or run it as a script: `python tutorials/06_backends.py`.

# %% [markdown]
# ## Setup

# %%
import time

import numpy as np

import tinygradconv as tg
from tinygradconv.ops import conv1d_transpose

print("available backends:", tg.available_backends(), "; default:", tg.get_backend().name)
STRICT = "array_api_strict" in tg.available_backends()
if not STRICT:
    print("array-api-strict is not installed: skipping the parts of this tutorial that use the strict backend "
          "(pip install array-api-strict)")

# %% [markdown]
# ## The same code on every backend
#
# A tensor lives on a backend (`backend=` when it is made, or the current default). `step` runs a
# `conv1d_transpose`, a loss and `backward` on one backend (a training step's forward and backward pass; it
# applies no update: an optimizer's `step` would then change the kernel) and returns NumPy copies of the results.

# %%
rng = np.random.default_rng(0)
x_np = rng.standard_normal((8, 16, 3))
kernel_np = rng.standard_normal((4, 2, 3))
target_np = rng.standard_normal((8, 32, 2))


def step(backend):
    x = tg.tensor(x_np, dtype="float64", backend=backend)
    kernel = tg.tensor(kernel_np, dtype="float64", backend=backend, requires_grad=True)
    target = tg.tensor(target_np, dtype="float64", backend=backend)
    y = conv1d_transpose(x, kernel, strides=2, padding="same")
    loss = ((y - target) ** 2).mean()
    loss.backward()
    return y.numpy(), kernel.grad.numpy(), loss.item()


names = ("numpy", "array_api_strict") if STRICT else ("numpy",)
results = {name: step(name) for name in names}
for name, (y, grad, loss) in results.items():
    print(f"{name:>16}: y {y.shape}, loss {loss:.6f}, |dL/dkernel| {np.linalg.norm(grad):.6f}")
if STRICT:
    difference = max(float(np.max(np.abs(a - b)))
                     for a, b in zip(results["numpy"][:2], results["array_api_strict"][:2]))
    print(f"max difference numpy vs array_api_strict: {difference:.1e}")


# %% [markdown]
# ## Choosing the default backend
#
# `set_backend` changes where new tensors (and layers' weights) are made; `Tensor.to` copies one tensor.

# %%
if STRICT:
    tg.set_backend("array_api_strict")
    layer = tg.layers.Conv1DTranspose(2, 3, strides=2)
    out = layer(np.ones((1, 4, 1), dtype="float32"))
    print("a layer on the strict backend:", out.backend.name, out.shape)
    tg.set_backend("numpy")
    t = tg.tensor([1.0, 2.0])
    print("moved:", t.backend.name, "->", t.to("array_api_strict").backend.name)

# %% [markdown]
# Mixing backends is an error, with a hint:

# %%
if STRICT:
    try:
        t + t.to("array_api_strict")
    except ValueError as error:
        print("ValueError:", error)

# %% [markdown]
# ## What the strict backend refuses
#
# NumPy accepts slice stops past the end, mixes integers with floats and offers `einsum`; the Array API
# standard promises none of these, and array-api-strict raises where NumPy would silently go on. The ops only use
# what the standard promises, which the test suite checks by running every op on this backend.

# %%
if STRICT:
    xp = tg.get_backend("array_api_strict").xp
    a = xp.asarray([1.0, 2.0, 3.0])
    attempts = {
        "a[1:10] (stop past the end)": lambda: a[1:10],
        "int array + float array": lambda: xp.asarray([1, 2]) + xp.asarray([0.5, 1.0]),
        "xp.einsum": lambda: xp.einsum,
    }
    for what, attempt in attempts.items():
        try:
            attempt()
            print(f"{what}: accepted")
        except (IndexError, TypeError, AttributeError) as error:
            print(f"{what}: refused ({type(error).__name__})")

# %% [markdown]
# ## On a GPU with CuPy
#
# With CuPy installed (`pip install tinygradconv[cuda12]`) and an NVIDIA GPU, the same `step` runs on the GPU.
# Elsewhere this part is skipped, saying so.

# %%
if "cupy" in tg.available_backends():
    step("cupy")                                        # warm-up (CUDA kernels are compiled on first use)
    start = time.perf_counter()
    y, grad, loss = step("cupy")
    elapsed = time.perf_counter() - start
    gap = max(float(np.max(np.abs(y - results["numpy"][0]))), float(np.max(np.abs(grad - results["numpy"][1]))))
    print(f"cupy: loss {loss:.6f}, max difference to numpy {gap:.1e}, forward and backward {elapsed * 1e3:.1f} ms")
else:
    print("CuPy backend not available (it needs CuPy and an NVIDIA GPU): skipping the GPU part")

# %% [markdown]
# ## Exercises
#
# Write the function, then pass it to its checker: the checker tries it on many cases and either returns
# `True` or tells you the first case where your answer goes wrong (the inputs, the value expected, the value
# received). The solutions are on the docs' [Exercises page](../docs/exercises.md), folded away.
#
# 1. **Code for every backend.** Write `fn(x)`, a stable `logsumexp` over the last axis (`axis=-1`) of a float64
#    array of any number of dimensions, that axis removed from the result, with `x.__array_namespace__()` only.
#    It must not overflow for values near 1000. Check it with `tinygradconv.exercises.check_logsumexp(fn)`.
# 2. **A portable ReLU.** Write `fn(x)` returning $\max(x, 0)$ elementwise with `x.__array_namespace__()` only,
#    keeping the shape and the dtype (float64, float32 or integer). Check it with
#    `tinygradconv.exercises.check_portable_relu(fn)`.
