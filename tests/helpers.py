"""Helpers shared by the tests (imported as ``from helpers import tensor_on``: pytest puts this folder on the
path, as for ``reference_conv``)."""
import contextlib
import os
import tracemalloc
from fractions import Fraction

import numpy as np
import pytest

import tinygradconv as tg


def tensor_on(data, backend="numpy", requires_grad=False, dtype="float64"):
    """``data`` (a list, NumPy array or number; ``None`` stays ``None``) as a Tensor on ``backend``, float64 unless
    ``dtype`` says otherwise: the one way the tests build their input tensors."""
    if data is None:
        return None
    return tg.Tensor(np.asarray(data), dtype=dtype, backend=backend, requires_grad=requires_grad)


def value_and_grads(op, x, w, b, upstream=None, dtype="float64", **kwargs):
    """``y = op(x, w, b, **kwargs)`` (a convolution; ``b`` may be ``None``) and the gradients of
    ``sum(y * upstream)`` for every input that is given (``upstream`` fixed: a cosine pattern unless given), as
    NumPy arrays ``[y, dx, dW, db]`` (``None`` for a missing bias)."""
    leaves = [tensor_on(a, requires_grad=True, dtype=dtype) for a in (x, w, b)]
    y = op(*leaves, **kwargs)
    if upstream is None:
        upstream = np.cos(np.arange(y.numpy().size)).reshape(y.shape)
    (y * tensor_on(upstream, dtype=dtype)).sum().backward()
    return [y.numpy()] + [None if t is None else t.grad.numpy() for t in leaves]


def switched_on_and_off(monkeypatch, module, switch, compute, *args, **kwargs):
    """``[compute(*args, **kwargs)]`` with the path switch ``module.<switch>`` on, then off (left on): the results of
    a fast path and of the paths it replaces, for a test to compare."""
    results = []
    for on in (True, False):
        monkeypatch.setattr(module, switch, on)
        results.append(compute(*args, **kwargs))
    monkeypatch.setattr(module, switch, True)
    return results


def keras_on_torch(reason):
    """Keras 3 on its torch backend, the reference named by ``reason``; the test is skipped, visibly and with that
    reason, when Keras is not installed or already runs on another backend."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason=reason)
    if keras.backend.backend() != "torch":
        pytest.skip(f"Keras runs on the {keras.backend.backend()!r} backend here; these references need torch")
    return keras


def fixed_keras_sparsemax(x, axis):
    """The sparsemax reference on torch tensors: Keras 3's torch sparsemax with the upstream fix of its threshold
    (keras-team/keras#23469: the sum of the sorted logits over the support, where Keras 3.15 sums their running
    sums) and a shift by the (detached) maximum, which changes only the rounding, and makes a slice holding a NaN
    or ``+inf`` NaN. Differentiable by torch's autograd."""
    import torch

    z = x - x.amax(dim=axis, keepdim=True).detach() if x.numel() else x
    ordered, _ = torch.sort(z, dim=axis, descending=True)
    shape = [1] * x.ndim
    shape[axis] = -1
    rank = torch.arange(1, x.shape[axis] + 1, dtype=x.dtype).view(shape)
    support = ordered - (torch.cumsum(ordered, dim=axis) - 1) / rank > 0
    k = support.sum(dim=axis, keepdim=True)
    tau = (torch.where(support, ordered, 0.0).sum(dim=axis, keepdim=True) - 1) / k
    return torch.clamp(z - tau, min=0.0)


def linear_gradient(loss, shape):
    """Gradient of a function that is linear in its argument: its values on the basis vectors (float64)."""
    grad = np.zeros(shape)
    for idx in np.ndindex(*shape):
        e = np.zeros(shape)
        e[idx] = 1.0
        grad[idx] = loss(e)
    return grad


def set_chunk_bytes(monkeypatch, nbytes):
    """Every batch-chunk bound of ``tinygradconv.ops.conv_batching`` set to ``nbytes`` (the CPU's, one AMD thread's,
    the threads', the GPU's), so that a test's chunks are the same on every machine: ``1`` gives one sample per
    chunk, a huge value one chunk per batch part."""
    from tinygradconv.ops import conv_batching

    for name in ("CHUNK_BYTES", "AMD_CHUNK_BYTES", "THREAD_CHUNK_BYTES", "DEVICE_CHUNK_BYTES"):
        monkeypatch.setattr(conv_batching, name, nbytes)


def with_small_gemm_kernels(monkeypatch, mnk=None, min_rows=None):
    """Make the small-matrix block rule of ``tinygradconv.ops.gemm_blocks`` hold on any CPU, with the Xeon's limits
    (the kernels' presence and the CPU's maker are its machine-dependent parts; the maker, ``CPU_VENDOR``, also
    gives Intel's batch chunks), optionally with thresholds small enough for the tests' small shapes."""
    from tinygradconv.ops import conv_batching, gemm_blocks

    monkeypatch.setattr(gemm_blocks, "has_small_gemm_kernels", lambda: True)
    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "GenuineIntel")
    if mnk is not None:
        monkeypatch.setattr(gemm_blocks, "SMALL_GEMM_MNK", mnk)
    if min_rows is not None:          # the narrow limits' too (the per-sample stacks take them on every core)
        monkeypatch.setattr(gemm_blocks, "SMALL_GEMM_MIN_ROWS", min_rows)
        monkeypatch.setattr(gemm_blocks, "AMD_SMALL_GEMM_MIN_ROWS", min(min_rows, gemm_blocks.AMD_SMALL_GEMM_MIN_ROWS))


def assert_cpu_maker_decides(monkeypatch, module, switch, takes):
    """A path switch ``module.<switch>`` that is ``None`` by default leaves the choice to the CPU's maker:
    ``takes()`` holds on an AMD CPU only (not on an Intel one, nor where ``/proc/cpuinfo`` names none), and
    ``True`` and ``False`` override the maker."""
    from tinygradconv.ops import conv_batching

    monkeypatch.setattr(module, switch, None)
    for vendor, on in (("AuthenticAMD", True), ("GenuineIntel", False), ("", False)):
        monkeypatch.setattr(conv_batching, "CPU_VENDOR", vendor or None)
        if not vendor:
            monkeypatch.setattr(conv_batching, "_cpuinfo_vendor", lambda: "")
        assert takes() is on, vendor
        for forced in (True, False):
            monkeypatch.setattr(module, switch, forced)
            assert takes() is forced
        monkeypatch.setattr(module, switch, None)


def count_calls(monkeypatch, module, names):
    """Wrap each function ``module.<name>`` so that it counts its calls: a list of counters, one per name."""
    counts = [0] * len(names)
    for i, name in enumerate(names):
        original = getattr(module, name)

        def counted(*args, _original=original, _i=i, **kwargs):
            counts[_i] += 1
            return _original(*args, **kwargs)

        monkeypatch.setattr(module, name, counted)
    return counts


def peak_memory(call):
    """``(result or exception, peak bytes)`` of ``call()`` under tracemalloc (NumPy reports its arrays to it): for
    tests that a refusal comes before anything large is made."""
    tracemalloc.start()
    try:
        try:
            result = call()
        except Exception as exc:  # noqa: BLE001  (the caller looks at what was raised)
            result = exc
        return result, tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()


def keras_value_semantics(keras_optimizer):
    """Keras' optimizer (on torch) with ``assign_sub`` replacing the slot's tensor instead of changing it in place,
    so that a value read before the update keeps the old one, as on JAX and TensorFlow: Keras 3.15's
    ScheduleFreeAdamW reads ``momentum_old = momentum.value`` and means the old slot, but on torch it is a view of
    the slot that ``assign_sub`` then changes (see ``tinygradconv.optimizers.ScheduleFreeAdamW``)."""
    import torch

    def assign_sub(variable, value):
        variable._value = torch.nn.Parameter(variable.value - value, requires_grad=False)

    keras_optimizer.assign_sub = assign_sub
    return keras_optimizer


def same_bits(ours, reference):
    """Whether ``ours`` equals ``reference`` bit for bit as values: the same dtype, equal values with equal signs
    (``-0.0`` is not ``0.0``), a NaN equal to a NaN of the same sign (its payload bits are not compared)."""
    ours, reference = np.asarray(ours), np.asarray(reference)
    return (ours.dtype == reference.dtype and np.array_equal(ours, reference, equal_nan=True)
            and np.array_equal(np.signbit(ours), np.signbit(reference)))


@contextlib.contextmanager
def torch_on_one_thread():
    """PyTorch on one thread inside the ``with`` block (how its vector loops split the data then is what the tests
    document), its thread count restored after."""
    torch = pytest.importorskip("torch")
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        yield
    finally:
        torch.set_num_threads(threads)


def exact_multiply_add(x, y, alpha):
    """``x + alpha * y`` (broadcast) rounded once to float64 from exact fractions, an independent reference of
    ``add(alpha=)``: inf beyond the largest float64, and a non-finite operand as float arithmetic gives it."""
    shape = np.broadcast_shapes(x.shape, y.shape)
    x, y = np.broadcast_to(x, shape), np.broadcast_to(y, shape)
    a, out = Fraction(float(alpha)), []
    for u, v in zip(x.ravel(), y.ravel()):
        if not (np.isfinite(u) and np.isfinite(v)):
            out.append(u + alpha * v)
            continue
        s = Fraction(float(u)) + Fraction(float(v)) * a
        try:
            out.append(float(s))
        except OverflowError:
            out.append(np.inf if s > 0 else -np.inf)
    return np.array(out, dtype=np.float64).reshape(shape)
