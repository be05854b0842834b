"""Winograd's F(2, 3) for stride-1, 3-tap convolutions (``tinygradconv.ops.conv_winograd``): the block functions
against loops written from the formula, both ops through it against the direct paths of ``ops.conv``
(``WINOGRAD = False``), the naive loop references and PyTorch (skipped, visibly, without it), and inf and NaN, where
it must hand over to the direct paths. NumPy only, as the path is. Most tests lower ``MIN_CHANNELS`` to 1 so that
small shapes take the path; one runs the benchmark's 256-channel shape as it is."""

import itertools

import array_api_strict
import numpy as np
import pytest
from helpers import assert_cpu_maker_decides, set_chunk_bytes, switched_on_and_off, value_and_grads
from reference_conv import ref_conv1d, ref_conv1d_transpose

from tinygradconv.ops import conv as conv_module
from tinygradconv.ops import conv_batching, conv_winograd
from tinygradconv.ops.conv import conv1d, conv1d_transpose
from tinygradconv.ops.conv_winograd import (
    conv1d_winograd,
    kernel_grad_winograd,
    takes_winograd,
)

#: The switch as the package sets it, before this module's tests force the path on.
DEFAULT_SWITCH = conv_winograd.WINOGRAD


@pytest.fixture(autouse=True)
def winograd_on_any_cpu(monkeypatch):
    """These tests exercise F(2, 3) whatever the CPU's maker (by default only AMD CPUs take it)."""
    monkeypatch.setattr(conv_winograd, "WINOGRAD", True)


@pytest.fixture
def winograd_calls(monkeypatch):
    """The results of the calls that went through the path: ``[(name, returned None), ...]``."""
    calls = []
    for name in ("conv1d_winograd", "kernel_grad_winograd"):
        original = getattr(conv_module, name)

        def recorded(*args, _original=original, _name=name, **kwargs):
            result = _original(*args, **kwargs)
            calls.append((_name, (result[0] if isinstance(result, tuple) else result) is None))
            return result

        monkeypatch.setattr(conv_module, name, recorded)
    return calls


@pytest.fixture
def small_shapes_too(monkeypatch):
    """Every channel count and length takes the path."""
    monkeypatch.setattr(conv_winograd, "MIN_CHANNELS", 1)
    monkeypatch.setattr(conv_winograd, "MIN_CHANNEL_PRODUCT", 1)
    monkeypatch.setattr(conv_winograd, "MIN_STEPS", 1)


# ------------------------------------------------------------------------------------------- the block functions
def _loop_forward(x, w, d, pad_left, out_len):
    """``y[b, n] = sum_t x[b, n + t*d - pad_left] @ w[t]`` over the pairs inside ``x``, from the formula."""
    y = np.zeros((x.shape[0], out_len, w.shape[2]))
    for n, t in itertools.product(range(out_len), range(3)):
        j = n + t * d - pad_left
        if 0 <= j < x.shape[1]:
            y[:, n] += x[:, j] @ w[t]
    return y


def _loop_kernel_grad(x, dy, d, pad_left):
    """``dW[t] = sum_{b, n} x[b, n + t*d - pad_left]^T dy[b, n]`` over the pairs inside ``x``, from the formula."""
    dw = np.zeros((3, x.shape[2], dy.shape[2]))
    for n, t in itertools.product(range(dy.shape[1]), range(3)):
        j = n + t * d - pad_left
        if 0 <= j < x.shape[1]:
            dw[t] += x[:, j].T @ dy[:, n]
    return dw


def test_blocks_match_the_formula(small_shapes_too):
    """Random lengths, paddings and crops, dilations 1-4, ragged last blocks and inputs of any strides (a reversed
    and a channel-sliced view): both functions give the loops' numbers (float64), or decline with ``None`` exactly
    when the plan has more than ``MAX_EDGE_BLOCKS`` edge blocks."""
    rng = np.random.default_rng(0)
    compared = declined = 0
    for _ in range(1500):
        batch, length, c, f, d = (int(v) for v in rng.integers((1, 1, 1, 1, 1), (4, 40, 5, 5, 5)))
        pad_left, out_len = int(rng.integers(-5, 2 * d + 3)), int(rng.integers(1, 45))
        x = rng.standard_normal((batch, length, c + 2))[:, ::-1, 1:-1]      # strided, not C-ordered
        w, dy = rng.standard_normal((3, c, f)), rng.standard_normal((batch, out_len, f))
        y = conv1d_winograd(x, w, d, pad_left, out_len)
        dw = kernel_grad_winograd(x, dy, d, pad_left)[0]
        expect_none = conv_winograd._Blocks.plan(length, out_len, d, pad_left) is None
        assert (y is None) == (dw is None) == expect_none
        if y is None:
            declined += 1
            continue
        np.testing.assert_allclose(y, _loop_forward(x, w, d, pad_left, out_len), rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(dw, _loop_kernel_grad(x, dy, d, pad_left), rtol=1e-12, atol=1e-12)
        assert y.flags.c_contiguous and dw.flags.c_contiguous
        compared += 1
    assert compared > 900 and declined > 100


def test_edge_blocks_limit(small_shapes_too):
    """Only edge blocks (a dilation near the length) the path serves while their buffers stay small; more than
    ``MAX_EDGE_BLOCKS`` of them, or a dilation far above the lengths, it declines before allocating anything."""
    x, w = np.ones((1, 20, 2)), np.ones((3, 2, 2))
    served = conv1d_winograd(x, w, 7, 0, 20)                       # 2 blocks of 14: both edges
    np.testing.assert_allclose(served, _loop_forward(x, w, 7, 0, 20))
    assert conv1d_winograd(x[:, :4], w, 1, 0, 20) is None           # 9 edge blocks
    assert kernel_grad_winograd(x[:, :4], np.ones((1, 20, 2)), 1, 0) == (None, None)
    assert conv_winograd._Blocks.plan(7, 2 * 10**9 + 7, 10**9, 2 * 10**9) is None     # 4e9-step buffers


@pytest.mark.parametrize("where", ["x", "kernel", "dy"])
@pytest.mark.parametrize("value", [np.inf, -np.inf, np.nan])
def test_block_functions_refuse_non_finite_numbers(small_shapes_too, where, value):
    """One inf or NaN anywhere in an input that some output reads makes the functions decline (``None``): their
    sums are not the direct convolution's there."""
    rng = np.random.default_rng(1)
    x, w, dy = rng.standard_normal((2, 12, 3)), rng.standard_normal((3, 3, 2)), rng.standard_normal((2, 10, 2))
    {"x": x, "kernel": w, "dy": dy}[where][{"x": (1, 7, 2), "kernel": (2, 1, 1), "dy": (1, 7, 1)}[where]] = value
    if where != "dy":
        assert conv1d_winograd(x, w, 1, 0, 10) is None
    if where != "kernel":
        assert kernel_grad_winograd(x, dy, 1, 0) == (None, None)


def test_the_rule():
    """NumPy, float32 or float64, k = 3, stride 1, one group, 128 channels or more on each side and 256 on one; at
    least 32 output steps (with the switch on, as this module's fixture sets it)."""
    assert takes_winograd(np, np.float32, 3, 1, 1, 256, 128) and takes_winograd(np, np.float64, 3, 1, 1, 128, 512)
    for args in ((np, np.float16, 3, 1, 1, 256, 256), (np, np.float32, 5, 1, 1, 256, 256),
                 (np, np.float32, 3, 2, 1, 256, 256), (np, np.float32, 3, 1, 2, 256, 256),
                 (np, np.float32, 3, 1, 1, 127, 256), (np, np.float32, 3, 1, 1, 512, 64),
                 (np, np.float32, 3, 1, 1, 128, 128), (array_api_strict, np.float32, 3, 1, 1, 256, 256)):
        assert not takes_winograd(*args), args
    x, w = np.ones((1, 40, 2)), np.ones((3, 2, 2))
    assert conv1d_winograd(x, w, 1, 0, 31) is None and conv1d_winograd(x, w, 1, 0, 32) is not None


def test_by_default_the_cpu_maker_decides(monkeypatch):
    """WINOGRAD None (the default): AMD CPUs take F(2, 3), others (an AVX-512 Xeon measured it slower) do not;
    True and False override the maker."""
    assert DEFAULT_SWITCH is None
    wide = (np, np.float32, 3, 1, 1, 256, 128)
    assert_cpu_maker_decides(monkeypatch, conv_winograd, "WINOGRAD", lambda: takes_winograd(*wide))


# ------------------------------------------------------------------------------------------- through the ops
def _both_paths(monkeypatch, *args, **kwargs):
    """``value_and_grads`` through F(2, 3) and through the direct paths."""
    return switched_on_and_off(monkeypatch, conv_winograd, "WINOGRAD", value_and_grads, *args, **kwargs)


def _assert_same(a_list, e_list, rtol=1e-12, context=""):
    for a, e in zip(a_list, e_list):
        if e is None:
            assert a is None
        else:
            np.testing.assert_allclose(a, e, rtol=rtol, atol=rtol, equal_nan=True, err_msg=context)


def test_conv1d_matches_the_direct_paths_and_the_loop_reference(monkeypatch, small_shapes_too, winograd_calls):
    """conv1d, every kind of padding (cropping tuples too), dilations 1-3, both layouts, with and without a bias:
    value and gradients as the direct paths give them (float64, 1e-12), and the loop reference's value."""
    rng = np.random.default_rng(2)
    compared = 0
    for length, d, padding, layout, bias in itertools.product(
            (3, 4, 9, 16), (1, 2, 3), ("valid", "same", "causal", (2, -1), (-1, 3), (4, 4)),
            ("channels_last", "channels_first"), (True, False)):
        if length + sum(padding if isinstance(padding, tuple) else (0, 0)) < 2 * d + 1 and padding == "valid":
            continue
        shape = (2, length, 3) if layout == "channels_last" else (2, 3, length)
        x, w, b = rng.standard_normal(shape), rng.standard_normal((3, 3, 4)), rng.standard_normal(4)
        kwargs = {"strides": 1, "padding": padding, "dilation_rate": d, "data_format": layout}
        try:
            expected = ref_conv1d(x, w, b if bias else None, **kwargs)
        except AssertionError:
            continue
        if expected.size == 0:
            continue
        fast, plain = _both_paths(monkeypatch, conv1d, x, w, b if bias else None, **kwargs)
        _assert_same(fast, plain, context=str((length, d, padding, layout, bias)))
        np.testing.assert_allclose(fast[0], expected, rtol=1e-12, atol=1e-12)
        compared += 1
    assert compared > 200
    served = [name for name, declined in winograd_calls if not declined]
    assert served.count("conv1d_winograd") > 1.5 * compared and served.count("kernel_grad_winograd") > 0.75 * compared


def test_conv1d_transpose_matches_the_direct_paths_and_the_loop_reference(monkeypatch, small_shapes_too,
                                                                          winograd_calls):
    """conv1d_transpose with stride 1: "valid", "same", output paddings, dilations 1-3, both layouts, with and
    without a bias: value and gradients as the direct paths give them, and the loop reference's value."""
    rng = np.random.default_rng(3)
    compared = 0
    for length, d, padding, output_padding, layout, bias in itertools.product(
            (1, 2, 5, 12), (1, 2, 3), ("valid", "same"), (None, 0), ("channels_last", "channels_first"),
            (True, False)):
        shape = (3, length, 4) if layout == "channels_last" else (3, 4, length)
        x, w, b = rng.standard_normal(shape), rng.standard_normal((3, 5, 4)), rng.standard_normal(5)
        kwargs = {"strides": 1, "padding": padding, "output_padding": output_padding, "dilation_rate": d,
                  "data_format": layout}
        fast, plain = _both_paths(monkeypatch, conv1d_transpose, x, w, b if bias else None, **kwargs)
        _assert_same(fast, plain, context=str((length, d, padding, output_padding, layout, bias)))
        np.testing.assert_allclose(fast[0], ref_conv1d_transpose(x, w, b if bias else None, **kwargs),
                                   rtol=1e-12, atol=1e-12)
        compared += 1
    assert compared == 192
    served = [name for name, declined in winograd_calls if not declined]
    assert served.count("conv1d_winograd") > 1.5 * compared and served.count("kernel_grad_winograd") > 0.75 * compared


@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
@pytest.mark.parametrize("case", ["inf in the kernel", "nan in x", "inf in x at the edge", "inf in dy",
                                  "huge numbers"])
def test_special_points_give_the_direct_paths_numbers(monkeypatch, small_shapes_too, winograd_calls, op, case):
    """An inf or NaN in the kernel, the input or the output gradient, or numbers whose products overflow: where
    one reaches an output the path declines and the direct paths give it, NaN and inf in the same places; the
    outputs that none reaches (the kernel gradient of a convolution with an infinite kernel) stay on the path."""
    rng = np.random.default_rng(4)
    x, w, b = rng.standard_normal((2, 10, 3)), rng.standard_normal((3, 3, 3)), rng.standard_normal(3)
    out_len = 8 if op == "conv1d" else 12
    upstream = rng.standard_normal((2, out_len, 3))
    if case == "inf in the kernel":
        w[2, 1, 0] = np.inf
    elif case == "nan in x":
        x[1, 4, 2] = np.nan
    elif case == "inf in x at the edge":
        x[0, -1, 1] = -np.inf
    elif case == "inf in dy":
        upstream[1, 0, 1] = np.inf
    else:
        x *= 1e200
        w *= 1e200
    func = conv1d if op == "conv1d" else conv1d_transpose
    fast, plain = _both_paths(monkeypatch, func, x, w, b, upstream=upstream)
    _assert_same(fast, plain, context=case)                 # NaN where NaN, inf where inf, the rest to 1e-12
    assert any(declined for _, declined in winograd_calls)
    assert any(not np.isfinite(a).all() for a in fast)


def test_chunks_and_threads_give_the_same_numbers(monkeypatch, small_shapes_too, winograd_calls):
    """Chunks of one sample, two threads sharing the batch: the numbers of one thread and one chunk (the kernel
    gradient summed in another order: to 1e-12)."""
    rng = np.random.default_rng(5)
    x, w, b = rng.standard_normal((7, 20, 3)), rng.standard_normal((3, 3, 4)), rng.standard_normal(4)
    results = []
    for threads, chunk in ((1, 1 << 20), (2, 1 << 20), (2, 1), (1, 1)):
        monkeypatch.setattr(conv_batching, "THREADS", threads)
        set_chunk_bytes(monkeypatch, chunk)
        results.append((value_and_grads(conv1d, x, w, b, padding="same", dilation_rate=2),
                        value_and_grads(conv1d_transpose, x, w.transpose(0, 2, 1), b, padding="valid")))
    for r in results[1:]:
        for a, e in zip(r, results[0]):
            _assert_same(a, e, context="chunks and threads")
    assert winograd_calls and not any(declined for _, declined in winograd_calls)


def _torch_conv(op, x, w, b, upstream):
    """torch in float64 on our channels_last arrays (``"valid"``, stride 1): value and gradients, in our layouts."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for these tests")
    xt = torch.tensor(x.transpose(0, 2, 1), requires_grad=True)
    wt = torch.tensor(w.transpose(2, 1, 0), requires_grad=True)          # (filters or C_in, C_in or filters, k)
    bt = torch.tensor(b, requires_grad=True)
    f = torch.nn.functional.conv_transpose1d if op == "conv1d_transpose" else torch.nn.functional.conv1d
    yt = f(xt, wt, bt)
    (yt * torch.tensor(upstream.transpose(0, 2, 1))).sum().backward()
    return [yt.detach().numpy().transpose(0, 2, 1), xt.grad.numpy().transpose(0, 2, 1),
            wt.grad.numpy().transpose(2, 1, 0), bt.grad.numpy()]


@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
def test_wide_channels_in_float32_match_torch(monkeypatch, winograd_calls, op):
    """The benchmark's 256-channel shape as it is (256 to 128 channels, k = 3, 130 steps), in float32, against
    torch in float64: no further from it than the direct paths (at most 2x their largest error, plus 1e-6 of the
    scale), for the value and all three gradients."""
    rng = np.random.default_rng(6)
    length = 130 if op == "conv1d" else 128
    x = rng.standard_normal((2, length, 256)).astype(np.float32)
    w = (rng.standard_normal((3, 256, 128) if op == "conv1d" else (3, 128, 256)) * 0.1).astype(np.float32)
    b = rng.standard_normal(128).astype(np.float32)
    upstream = rng.standard_normal((2, 128 if op == "conv1d" else 130, 128)).astype(np.float32)
    func = conv1d if op == "conv1d" else conv1d_transpose
    theirs = _torch_conv(op, *(a.astype(np.float64) for a in (x, w, b, upstream)))
    fast, plain = _both_paths(monkeypatch, func, x, w, b, dtype="float32", upstream=upstream)
    assert sorted(winograd_calls) == [("conv1d_winograd", False)] * 2 + [("kernel_grad_winograd", False)]
    for name, a, e, ref in zip(("y", "dx", "dW", "db"), fast, plain, theirs):
        scale = np.abs(ref).max()
        err, direct_err = np.abs(a - ref).max(), np.abs(e - ref).max()
        assert err <= 2 * direct_err + 1e-6 * scale, (name, err, direct_err, scale)


@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
@pytest.mark.parametrize("scale", [1e3, 1e6])
def test_a_large_tap_that_meets_padding_keeps_its_accuracy(monkeypatch, winograd_calls, op, scale):
    """The first and last taps scaled up, on a signal whose outer taps meet only padding ("same" with dilation 16
    on 16 steps; 256 to 128 channels, float32): the outputs, gradients included, no further from float64
    than the direct paths' (2x their error plus 1e-6 of the scale). Winograd's cross terms (a padding zero's
    partner times the large tap) would cancel there at a loss of about ``scale * 1e-7``; its edge blocks are the
    direct sums (found by a tester: 0.26 relative error with one kernel entry at 1e8)."""
    monkeypatch.setattr(conv_winograd, "MIN_STEPS", 1)
    rng = np.random.default_rng(7)
    x = rng.standard_normal((2, 16, 256))
    w = rng.standard_normal((3, 256, 128) if op == "conv1d" else (3, 128, 256)) / 20
    w[0] *= scale
    w[2] *= scale
    kwargs = {"padding": "same", "dilation_rate": 16}
    func = conv1d if op == "conv1d" else conv1d_transpose
    upstream = rng.standard_normal((2, 16, 128))
    exact = value_and_grads(func, x, w, None, upstream=upstream, **kwargs)
    fast, plain = _both_paths(monkeypatch, func, x, w, None, dtype="float32", upstream=upstream, **kwargs)
    for name, a, e, ref in zip(("y", "dx", "dW"), fast, plain, exact):
        scale_ref = np.abs(ref).max()
        err, direct_err = np.abs(a - ref).max(), np.abs(e - ref).max()
        assert err <= 2 * direct_err + 1e-6 * scale_ref, (name, err, direct_err, scale_ref)
    assert len(winograd_calls) == 6 and not any(declined for _, declined in winograd_calls)   # float64 and 32


def test_conv1d_backward_falls_back_to_exactly_the_direct_paths(monkeypatch, winograd_calls):
    """An output gradient with an inf and a product that overflows float32 (found by a tester): Winograd's kernel
    gradient declines, and all of conv1d's backward is then computed as with the path off (the shared gather),
    so inf, -inf and NaN land where they land there, and torch agrees."""
    rng = np.random.default_rng(0)
    x = rng.standard_normal((2, 45, 256)).astype(np.float32)
    w = rng.standard_normal((3, 256, 128)).astype(np.float32)
    upstream = rng.standard_normal((2, 43, 128)).astype(np.float32)
    x[0, 5, 1], x[1, 5, 1] = -0.75, 3e38
    upstream[0, 3, 1] = np.inf
    upstream[1, 3, 1] = upstream[1, 5, 1] = 1.5
    results = []
    for on in (True, False):
        monkeypatch.setattr(conv_winograd, "WINOGRAD", on)
        results.append(value_and_grads(conv1d, x, w, None, dtype="float32", upstream=upstream))
    for a, e in zip(*results):
        if e is not None:
            np.testing.assert_array_equal(a, e)
    assert ("kernel_grad_winograd", True) in winograd_calls
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for where inf and NaN land")
    wt = torch.tensor(w.transpose(2, 1, 0), requires_grad=True)
    yt = torch.nn.functional.conv1d(torch.tensor(x.transpose(0, 2, 1)), wt)
    yt.backward(torch.tensor(upstream.transpose(0, 2, 1)))
    theirs = wt.grad.numpy().transpose(2, 1, 0)
    ours = results[0][2]
    # The same elements are not finite. Their kind depends on the order of the sum where an infinite term meets a
    # product that overflows float32 (dW[2, 1, 1]: -0.75 * inf and 3e38 * 1.5): a fused multiply-add adding that
    # product to -inf keeps -inf (torch; OpenBLAS's SkylakeX kernel), a product rounded to +inf first gives NaN
    # (OpenBLAS's Haswell kernel, on an AMD EPYC without AVX-512). Elsewhere the kinds are torch's.
    np.testing.assert_array_equal(np.isfinite(ours), np.isfinite(theirs))
    both_sure = ~np.isnan(ours)
    for mask in (np.isnan, np.isposinf, np.isneginf):
        np.testing.assert_array_equal(mask(ours)[both_sure], mask(theirs)[both_sure])
