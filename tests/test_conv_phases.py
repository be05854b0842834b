"""conv1d on channels_first inputs with a stride, through the stride's phases (``tinygradconv.ops.conv_phases``):
against the other paths of ``ops.conv`` (``PHASE_PATH = False``), the naive loop reference, PyTorch (skipped,
visibly, without it) and hand-made special points. The phase path is NumPy's only (array-api-strict arrays have no
strides to tell a channels_first layout by), so these tests run on NumPy."""

import itertools

import numpy as np
import pytest
from helpers import (
    assert_cpu_maker_decides,
    count_calls,
    set_chunk_bytes,
    switched_on_and_off,
    value_and_grads,
)
from helpers import tensor_on as _t
from reference_conv import ref_conv1d, ref_conv_padding

import tinygradconv as tg
from tinygradconv.ops import conv as conv_module
from tinygradconv.ops import conv_batching, conv_phases
from tinygradconv.ops.conv import conv1d

PADDINGS = ("valid", "same", "causal", (2, -1), (-1, 3), (5, 5), (0, -2))
DEFAULT_SWITCH = conv_phases.PHASE_PATH


@pytest.fixture(autouse=True)
def _phase_path_on_any_cpu(monkeypatch):
    """The phase path on whatever CPU runs the tests (by default only AMD CPUs take it, ``PHASE_PATH_VENDORS``)."""
    monkeypatch.setattr(conv_phases, "PHASE_PATH", True)


@pytest.fixture
def count_phase_calls(monkeypatch):
    """How many forward and kernel-gradient calls went through the phase path (a list of two counters)."""
    return count_calls(monkeypatch, conv_module, ("conv1d_forward_phases", "conv1d_kernel_grad_phases"))


def _value_and_grads(x, w, b, upstream=None, dtype="float64", **kwargs):
    """conv1d on the channels_first ``x``: its value and gradients (:func:`helpers.value_and_grads`)."""
    return value_and_grads(conv1d, x, w, b, upstream, dtype, data_format="channels_first", **kwargs)


def _both_paths(monkeypatch, *args, **kwargs):
    """``_value_and_grads`` through the phase path and through the other paths."""
    return switched_on_and_off(monkeypatch, conv_phases, "PHASE_PATH", _value_and_grads, *args, **kwargs)


def test_phase_path_matches_the_other_paths_and_the_loop_reference(monkeypatch, count_phase_calls):
    """Strides 2-4 with k >= s, every kind of padding (cropping ones too), one and three samples, with and without a
    bias: the same value and gradients as the gather/tap-group paths (to 1e-12 in float64), and the loop reference's
    value."""
    rng = np.random.default_rng(0)
    compared = longer = 0
    for length, k, s, padding, batch, bias in itertools.product((1, 2, 5, 8, 13), (2, 3, 5, 7), (2, 3, 4), PADDINGS,
                                                                (1, 3), (True, False)):
        pad_left, pad_right = ref_conv_padding(length, k, s, padding, 1)
        if s > k or (length + pad_left + pad_right - k) // s + 1 <= 0:
            continue
        x, w = rng.standard_normal((batch, 4, length)), rng.standard_normal((k, 4, 3))
        b = rng.standard_normal(3) if bias else None
        fast, plain = _both_paths(monkeypatch, x, w, b, strides=s, padding=padding)
        for a, e in zip(fast, plain):
            if e is None:
                assert a is None
            else:
                np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, err_msg=str((length, k, s, padding, batch)))
        np.testing.assert_allclose(fast[0], ref_conv1d(x, w, b, s, padding, 1, 1, data_format="channels_first"),
                                   rtol=1e-12, atol=1e-12)
        compared += 1
        longer += length > 1
    assert compared > 500
    # one step has one layout: such an input is read as channels_last and takes the other paths
    assert count_phase_calls == [longer, longer]


def test_only_the_wanted_gradients_and_a_broadcast_upstream_gradient(monkeypatch, count_phase_calls):
    """The kernel gradient alone, the bias gradient alone, the input gradient alone (no phase call for the
    gradients then), and ``y.sum()``'s upstream gradient (a broadcast array, all of whose strides are 0): the same
    numbers as the other paths."""
    rng = np.random.default_rng(1)
    x, w, b = rng.standard_normal((3, 5, 17)), rng.standard_normal((4, 5, 6)), rng.standard_normal(6)
    for wanted in ((True, False, False), (False, True, False), (False, False, True), (False, True, True)):
        results = []
        for phases in (True, False):
            monkeypatch.setattr(conv_phases, "PHASE_PATH", phases)
            leaves = [_t(a, requires_grad=r) for a, r in zip((x, w, b), wanted)]
            y = conv1d(*leaves, strides=2, padding="same", data_format="channels_first")
            y.sum().backward()
            results.append([y.numpy()] + [t.grad.numpy() for t, r in zip(leaves, wanted) if r])
        for a, e in zip(*results):
            np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, err_msg=str(wanted))
    assert count_phase_calls == [4, 3]        # every forward; the three backward passes that want dW or db


def test_chunks_and_threads_give_the_same_numbers(monkeypatch):
    """Batch chunks of one sample and the batch shared between two threads: the same value and gradients as one
    chunk in one thread, and as the other paths."""
    rng = np.random.default_rng(2)
    x, w, b = rng.standard_normal((7, 6, 40)), rng.standard_normal((5, 6, 4)), rng.standard_normal(4)
    expected = _both_paths(monkeypatch, x, w, b, strides=2, padding="causal")
    for chunk_bytes, threads in ((1, 1), (1, 2), (1 << 30, 2)):
        set_chunk_bytes(monkeypatch, chunk_bytes)
        monkeypatch.setattr(conv_batching, "THREADS", threads)
        got = _value_and_grads(x, w, b, strides=2, padding="causal")
        for reference in expected:
            for a, e in zip(got, reference):
                np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, err_msg=str((chunk_bytes, threads)))


@pytest.mark.parametrize("dtype", ["float16", "float32"])
def test_low_precision_matches_the_other_paths(monkeypatch, dtype):
    """float16 (summed in float32 and rounded once, as torch) and float32: the phase path and the other paths agree
    to the rounding of their different order of additions."""
    rng = np.random.default_rng(3)
    x, w, b = rng.standard_normal((4, 8, 33)), rng.standard_normal((6, 8, 5)) * 0.3, rng.standard_normal(5)
    fast, plain = _both_paths(monkeypatch, x, w, b, strides=3, padding="same", dtype=dtype)
    tolerance = {"float16": 2e-2, "float32": 1e-5}[dtype]
    for a, e in zip(fast, plain):
        assert a.dtype == e.dtype == np.dtype(dtype)
        np.testing.assert_allclose(a.astype("float64"), e.astype("float64"), rtol=tolerance, atol=tolerance)


def test_by_default_the_cpu_maker_decides(monkeypatch):
    """PHASE_PATH None (the default): AMD CPUs take the phase path, others (an AVX-512 Xeon measured it slower) do
    not; True and False override the maker."""
    assert DEFAULT_SWITCH is None
    takes = conv_phases.takes_phase_path
    assert_cpu_maker_decides(monkeypatch, conv_phases, "PHASE_PATH", lambda: takes(np, 5, 2, 1, 1))


def test_the_default_decides_the_path_through_the_op(monkeypatch, count_phase_calls):
    """Through ``conv1d`` itself: with PHASE_PATH None, a channels_first input with a stride takes the phase path on
    an AMD CPU and the other paths elsewhere, with the same numbers."""
    monkeypatch.setattr(conv_phases, "PHASE_PATH", None)
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((3, 4, 21)), rng.standard_normal((5, 4, 3)) * 0.3, rng.standard_normal(3)
    results = {}
    for vendor in ("AuthenticAMD", "GenuineIntel"):
        monkeypatch.setattr(conv_batching, "CPU_VENDOR", vendor)
        before = list(count_phase_calls)
        results[vendor] = _value_and_grads(x, w, b, strides=2)
        assert (count_phase_calls != before) is (vendor == "AuthenticAMD"), vendor
    for a, e in zip(results["AuthenticAMD"], results["GenuineIntel"]):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12)


def test_the_rule():
    """The phase path serves NumPy, 1 < strides <= kernel size, no dilation and one group."""
    import array_api_strict

    takes = conv_phases.takes_phase_path
    assert takes(np, 5, 2, 1, 1) and takes(np, 2, 2, 1, 1) and takes(np, 8, 4, 1, 1)
    assert not takes(np, 5, 1, 1, 1)        # stride 1: the input's own layout is already readable by BLAS
    assert not takes(np, 2, 3, 1, 1)        # s > k: phases that no tap reads
    assert not takes(np, 5, 2, 2, 1)        # dilation
    assert not takes(np, 5, 2, 1, 2)        # groups
    assert not takes(array_api_strict, 5, 2, 1, 1)


# ---------------------------------------------------------------------------------------------------------------
# Against PyTorch, special points included
# ---------------------------------------------------------------------------------------------------------------
def _torch_value_and_grads(x, w, b, upstream, strides, padding):
    """torch's conv1d on the channels_first ``x`` padded as Keras pads, in float64: value and gradients in our
    layouts (kernel ``(k, C, F)``)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for these tests")
    pad_left, pad_right = ref_conv_padding(x.shape[2], w.shape[0], strides, padding, 1)
    xt = torch.tensor(x, requires_grad=True)
    wt = torch.tensor(w.transpose(2, 1, 0), requires_grad=True)
    bt = torch.tensor(b, requires_grad=True)
    padded = torch.nn.functional.pad(xt, (pad_left, pad_right))     # a negative pad crops, as Keras' tuple does
    yt = torch.nn.functional.conv1d(padded, wt, bt, stride=strides)
    (yt * torch.tensor(upstream)).sum().backward()
    return [yt.detach().numpy(), xt.grad.numpy(), wt.grad.numpy().transpose(2, 1, 0), bt.grad.numpy()]


@pytest.mark.parametrize("case", ["finite", "inf in the kernel", "nan in x at the edge", "inf in dy at the edge"])
def test_matches_torch_with_special_points(count_phase_calls, case):
    """Against torch (float64, padded with real zeros, so that ``0 * inf`` is NaN where a tap meets padding), with
    an inf in the kernel, a NaN in the input's first step and an inf in the output gradient's last step: the same
    numbers, NaN and inf in the same places."""
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 3, 11)), rng.standard_normal((5, 3, 4)), rng.standard_normal(4)
    y_shape = (2, 4, 6)                              # "same", s = 2: ceil(11 / 2) steps
    upstream = rng.standard_normal(y_shape)
    if case == "inf in the kernel":
        w[4, 1, 2] = np.inf
    elif case == "nan in x at the edge":
        x[1, 0, 0] = np.nan
    elif case == "inf in dy at the edge":
        upstream[0, 3, -1] = np.inf
    ours = _value_and_grads(x, w, b, upstream, strides=2, padding="same")
    theirs = _torch_value_and_grads(x, w, b, upstream, 2, "same")
    for a, e in zip(ours, theirs):
        np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12, equal_nan=True, err_msg=case)
    assert count_phase_calls == [1, 1]
    if case != "finite":
        assert any(np.isnan(a).any() or np.isinf(a).any() for a in ours)


def test_benchmark_shape_matches_torch_in_float32(count_phase_calls):
    """The medium benchmark shape in channels_first (32 samples, 515 steps, 64 -> 64 channels, k = 5, s = 2), float32,
    against torch float64: within float32 rounding of sums of 320 products."""
    rng = np.random.default_rng(5)
    x = rng.standard_normal((32, 64, 515)).astype("float32")
    w = (rng.standard_normal((5, 64, 64)) * 0.1).astype("float32")
    b = rng.standard_normal(64).astype("float32")
    upstream = rng.standard_normal((32, 64, 256)).astype("float32")
    ours = _value_and_grads(x, w, b, upstream, dtype="float32", strides=2)
    theirs = _torch_value_and_grads(*(a.astype("float64") for a in (x, w, b, upstream)), 2, "valid")
    for a, e in zip(ours, theirs):
        scale = np.abs(e).max()
        np.testing.assert_allclose(a, e, rtol=0, atol=2e-6 * scale)
    assert count_phase_calls == [1, 1]


def test_a_channels_first_leaf_gets_its_gradient_in_its_own_shape():
    """The input gradient of a channels_first leaf has the leaf's shape ``(B, C, L)``, including the steps that no
    tap reads ("valid" with a stride leaves the last ones out): those get 0, as in torch."""
    x = tg.Tensor(np.ones((1, 2, 8)), requires_grad=True)
    w = tg.Tensor(np.ones((3, 2, 1)), requires_grad=True)
    y = conv1d(x, w, strides=3, data_format="channels_first")         # steps 0-2 and 3-5; 6 and 7 unread
    y.sum().backward()
    assert y.shape == (1, 1, 2)
    np.testing.assert_array_equal(x.grad.numpy(), [[[1, 1, 1, 1, 1, 1, 0, 0]] * 2])
    np.testing.assert_array_equal(w.grad.numpy(), np.full((3, 2, 1), 2.0))
