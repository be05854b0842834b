"""conv1d and conv1d_transpose against the naive loop references, hand-computed Keras cases, finite differences and
properties, on every backend (numpy, array_api_strict, cupy where present)."""

import functools
import itertools
import re

import numpy as np
import pytest
from helpers import count_calls, linear_gradient, set_chunk_bytes, with_small_gemm_kernels
from helpers import tensor_on as _t  # the tests' one tensor helper
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from reference_conv import ref_conv1d, ref_conv1d_transpose

import tinygradconv as tg
from tinygradconv import config
from tinygradconv.backend import get_backend
from tinygradconv.ops import conv as conv_module
from tinygradconv.ops import conv_batching, conv_phases, gemm_blocks
from tinygradconv.ops.conv import conv1d, conv1d_transpose


def _transpose_grid():
    for length, k, s, d, padding in itertools.product(range(1, 8), range(1, 6), range(1, 5), range(1, 4),
                                                      ("valid", "same")):
        for op in [None, *range(s)]:
            yield length, k, s, d, padding, op


def _conv_grid():
    yield from itertools.product(range(1, 9), range(1, 6), range(1, 5), range(1, 4), ("valid", "same", "causal"),
                                 (1, 2))


# ---------------------------------------------------------------------------------------------------------------
# Sweeps against the naive references
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv1d_transpose_sweep_matches_reference(backend, data_format):
    rng = np.random.default_rng(0)
    failures, count = [], 0
    for length, k, s, d, padding, op in _transpose_grid():
        x = rng.standard_normal((2, length, 3))
        w = rng.standard_normal((k, 2, 3))
        b = rng.standard_normal(2) if (length + k) % 2 else None
        expected = ref_conv1d_transpose(x, w, b, s, padding, op, d)
        if data_format == "channels_first":
            x, expected = np.ascontiguousarray(x.transpose(0, 2, 1)), expected.transpose(0, 2, 1)
        y = conv1d_transpose(_t(x, backend), _t(w, backend), _t(b, backend), strides=s, padding=padding,
                             output_padding=op, dilation_rate=d, data_format=data_format).numpy()
        count += 1
        if y.shape != expected.shape or not np.allclose(y, expected, rtol=1e-12, atol=1e-12):
            failures.append((length, k, s, d, padding, op, y.shape, expected.shape))
    assert count == 7 * 5 * 3 * 2 * (2 + 3 + 4 + 5)   # L, k, d, padding, (strides, output_padding)
    assert not failures, f"{len(failures)} of {count} configs differ, e.g. (L, k, s, d, padding, op, got, want): " \
                         f"{failures[:5]}"


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv1d_sweep_matches_reference(backend, data_format):
    rng = np.random.default_rng(1)
    failures, count = [], 0
    for length, k, s, d, padding, groups in _conv_grid():
        x = rng.standard_normal((2, length, 4))
        w = rng.standard_normal((k, 4 // groups, 6))
        b = rng.standard_normal(6) if (length + k) % 2 else None
        expected = ref_conv1d(x, w, b, s, padding, d, groups)
        if data_format == "channels_first":
            x, expected = np.ascontiguousarray(x.transpose(0, 2, 1)), expected.transpose(0, 2, 1)
        y = conv1d(_t(x, backend), _t(w, backend), _t(b, backend), strides=s, padding=padding, dilation_rate=d,
                   groups=groups, data_format=data_format).numpy()
        count += 1
        if y.shape != expected.shape or not np.allclose(y, expected, rtol=1e-12, atol=1e-12):
            failures.append((length, k, s, d, padding, groups, y.shape, expected.shape))
    assert count == 8 * 5 * 4 * 3 * 3 * 2
    assert not failures, f"{len(failures)} of {count} configs differ, e.g. {failures[:5]}"


def test_sweep_gradients_match_reference_adjoint(backend):
    """Backward against the reference: for a linear op, d<y, v>/dx is the reference's Jacobian^T v (built from the
    reference applied to basis vectors); kernel/bias gradients by linearity in the kernel and bias likewise."""
    rng = np.random.default_rng(2)
    configs = list(_transpose_grid())[::23]
    for length, k, s, d, padding, op in configs:
        x, w, b = rng.standard_normal((1, length, 2)), rng.standard_normal((k, 2, 2)), rng.standard_normal(2)
        y_ref = ref_conv1d_transpose(x, w, b, s, padding, op, d)
        v = rng.standard_normal(y_ref.shape)
        tx, tw, tb = _t(x, backend, True), _t(w, backend, True), _t(b, backend, True)
        y = conv1d_transpose(tx, tw, tb, strides=s, padding=padding, output_padding=op, dilation_rate=d)
        y.backward(_t(v, backend))

        def ref_loss(xx, ww, s=s, padding=padding, op=op, d=d, v=v):
            return np.sum(ref_conv1d_transpose(xx, ww, None, s, padding, op, d) * v)

        np.testing.assert_allclose(tx.grad.numpy(), linear_gradient(lambda e, w=w: ref_loss(e, w), x.shape),
                                   atol=1e-12)
        np.testing.assert_allclose(tw.grad.numpy(), linear_gradient(lambda e, x=x: ref_loss(x, e), w.shape),
                                   atol=1e-12)
        np.testing.assert_allclose(tb.grad.numpy(), v.sum(axis=(0, 1)), atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# Hand-computed Keras cases (docs/conv1d_transpose_math.md: output lengths, crops, the worked example)
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "k, s, padding, op, expected",
    [
        # input ones((1, 3, 1)), kernel [1, ..., k], as in Keras' test_conv1d_transpose_consistency
        (3, 2, "valid", None, [1, 2, 4, 2, 4, 2, 3]),
        (3, 2, "same", None, [1, 2, 4, 2, 4, 2]),          # crop (0, 1): one more on the right
        (3, 2, "same", 1, [1, 2, 4, 2, 4, 2]),             # (L-1)*s + 1 + 1 = 6
        (3, 2, "same", 0, [2, 4, 2, 4, 2]),                # op=0 differs from None: crop (1, 1)
        (3, 1, "same", None, [3, 6, 5]),                   # full [1, 3, 6, 5, 3], crop (1, 1)
        (1, 3, "valid", None, [1, 0, 0, 1, 0, 0, 1, 0, 0]),  # k_eff < s: zero extension
        (2, 3, "same", 2, [1, 2, 0, 1, 2, 0, 1, 2]),       # N = 3L - 1
        (4, 2, "same", 0, [4, 6, 4, 6]),                   # full [1,2,4,6,4,6,3,4], crop (2, 2): 2L - 2
        (2, 1, "same", 0, [3, 3]),                         # full [1, 3, 3, 2], crop (1, 1): L - 1
    ],
)
def test_keras_consistency_values(backend, k, s, padding, op, expected):
    x = np.ones((1, 3, 1))
    w = np.arange(1, k + 1, dtype=float).reshape(k, 1, 1)
    y = conv1d_transpose(_t(x, backend), _t(w, backend), strides=s, padding=padding, output_padding=op).numpy()
    assert y[0, :, 0].tolist() == expected


def test_keras_consistency_product_matches_reference(backend):
    # keras test_conv1d_transpose_consistency: k 1..4, s 1..4, both paddings, op None or 1..4 with op < s
    count = 0
    for k, s, padding, op in itertools.product(range(1, 5), range(1, 5), ("same", "valid"), (None, 1, 2, 3, 4)):
        if op is not None and op >= s:
            continue
        x = np.ones((1, 3, 1))
        w = np.arange(1, k + 1, dtype=float).reshape(k, 1, 1)
        y = conv1d_transpose(_t(x, backend), _t(w, backend), strides=s, padding=padding, output_padding=op)
        np.testing.assert_allclose(y.numpy(), ref_conv1d_transpose(x, w, None, s, padding, op, 1), atol=1e-12)
        count += 1
    assert count == 80


@pytest.mark.parametrize(
    "filters, k, s, padding, op, expected",
    [(5, 2, 2, "valid", None, (2, 16, 5)), (6, 2, 3, "same", 2, (2, 23, 6)),
     (6, (2,), (2,), "valid", None, (2, 16, 6))],
)
def test_keras_correctness_configs(backend, filters, k, s, padding, op, expected):
    rng = np.random.default_rng(21)
    kk = k[0] if isinstance(k, tuple) else k
    x, w, b = rng.standard_normal((2, 8, 4)), rng.standard_normal((kk, filters, 4)), rng.standard_normal(filters)
    y = conv1d_transpose(_t(x, backend), _t(w, backend), _t(b, backend), strides=s, padding=padding,
                         output_padding=op).numpy()
    assert y.shape == expected
    ss = s[0] if isinstance(s, tuple) else s
    np.testing.assert_allclose(y, ref_conv1d_transpose(x, w, b, ss, padding, op, 1), atol=1e-10)


@pytest.mark.parametrize("padding", ["valid", "same"])
def test_keras_ops_arange_case(backend, padding):
    x = np.arange(24, dtype=float).reshape(2, 4, 3)
    w = np.arange(30, dtype=float).reshape(2, 5, 3)
    y = conv1d_transpose(_t(x, backend), _t(w, backend), strides=2, padding=padding).numpy()
    assert y.shape == (2, 8, 5)
    np.testing.assert_array_equal(y, ref_conv1d_transpose(x, w, None, 2, padding, None, 1))
    # one value by hand: y[0, 1, 0] = x[0, 0, :] . W[1, 0, :] = [0, 1, 2] . [15, 16, 17]
    assert y[0, 1, 0] == 0 * 15 + 1 * 16 + 2 * 17


def test_seed_example_shape_and_dtype(backend):
    rng = np.random.default_rng(0)
    x = _t(rng.random((4, 10, 128)), backend, dtype="float32")
    w = _t(rng.uniform(-0.1, 0.1, (3, 32, 128)), backend, dtype="float32")
    y = tg.ops.relu(conv1d_transpose(x, w, _t(np.zeros(32), backend, dtype="float32"), strides=2))
    assert y.shape == (4, 21, 32) and str(y.dtype).endswith("float32")
    assert float(y.numpy().min()) >= 0.0


def test_none_and_zero_output_padding_differ(backend):
    x, w = _t(np.ones((1, 10, 1)), backend), _t(np.ones((3, 1, 1)), backend)
    assert conv1d_transpose(x, w, strides=2, padding="same").shape == (1, 20, 1)
    assert conv1d_transpose(x, w, strides=2, padding="same", output_padding=0).shape == (1, 19, 1)


def test_zero_length_output_and_its_gradient(backend):
    x = _t(np.ones((2, 1, 3)), backend, True)
    w = _t(np.ones((2, 4, 3)), backend, True)
    b = _t(np.ones(4), backend, True)
    y = conv1d_transpose(x, w, b, strides=1, padding="same", output_padding=0)
    assert y.shape == (2, 0, 4)
    y.sum().backward()
    assert np.all(x.grad.numpy() == 0) and np.all(w.grad.numpy() == 0) and np.all(b.grad.numpy() == 0)
    assert x.grad.shape == (2, 1, 3) and w.grad.shape == (2, 4, 3)


def test_zero_batch_and_zero_length_input(backend):
    w = _t(np.ones((3, 2, 3)), backend)
    assert conv1d_transpose(_t(np.ones((0, 5, 3)), backend), w, strides=2).shape == (0, 11, 2)
    # L = 0 with samples and channels: a ValueError, as torch's "Only zero batch or zero channel inputs are
    # supported" (Keras on torch raises that too); with an empty batch too an empty output
    b = _t(np.array([1.0, 2.0]), backend)
    with pytest.raises(ValueError, match=r"0 steps.*Received an input of 1 samples of 0 steps and 3 channels"):
        conv1d_transpose(_t(np.ones((1, 0, 3)), backend), w, b, strides=2)
    assert conv1d_transpose(_t(np.ones((0, 0, 3)), backend), w, b, strides=2).shape[0] == 0
    assert conv1d(_t(np.ones((0, 5, 3)), backend), _t(np.ones((3, 3, 2)), backend)).shape == (0, 3, 2)
    assert conv1d(_t(np.ones((1, 2, 3)), backend), _t(np.ones((3, 3, 2)), backend)).shape == (1, 0, 2)


@pytest.mark.parametrize("length, padding, data_format", [
    (2, (-4, 7), "channels_first"), (0, (2, -1), "channels_last"), (1, (3, -3), "channels_first"),
    (4, (-3, -3), "channels_last"), (4, (0, -5), "channels_last")])
def test_conv1d_refuses_a_crop_past_the_input(backend, length, padding, data_format):
    """Negative explicit padding that drops more steps than the input has: a ValueError naming the padding and the
    input's length, where torch's ``pad`` raises too (found by a tester, who got an output of zeros); dropping
    exactly every step leaves an empty output, like the other empty outputs of the functional op."""
    x = np.ones((1, 1, length) if data_format == "channels_first" else (1, length, 1))
    with pytest.raises(ValueError, match=re.escape(f"drop more steps than the input has ({length}).") + ".*"
                                         + re.escape(f"Received padding={padding!r}.")):
        conv1d(_t(x, backend), _t(np.ones((1, 1, 1)), backend), padding=padding, data_format=data_format)
    whole = (-(length // 2), -(length - length // 2))               # every step dropped
    assert conv1d(_t(x, backend), _t(np.ones((1, 1, 1)), backend), padding=whole,
                  data_format=data_format).shape[1 if data_format == "channels_last" else 2] == 0


@pytest.mark.parametrize("strides, dilation", [(1, 1), (2, 1), (3, 1), (2, 2)])
def test_conv1d_with_no_input_channels(backend, strides, dilation):
    """C_in = 0: the output is the bias on every step, dx is empty, dW is empty, db sums dy (every conv1d path,
    the tap groups included; found by a tester as a ZeroDivisionError in the kernel gradient)."""
    x = _t(np.zeros((2, 7, 0)), backend, True)
    w = _t(np.zeros((3, 0, 4)), backend, True)
    b = _t(np.arange(4.0), backend, True)
    y = conv1d(x, w, b, strides=strides, dilation_rate=dilation)
    n = (7 - 2 * dilation - 1) // strides + 1
    assert y.shape == (2, n, 4) and np.all(y.numpy() == np.arange(4.0))
    y.backward(_t(np.ones((2, n, 4)), backend))
    assert x.grad.shape == (2, 7, 0) and w.grad.shape == (3, 0, 4)
    assert b.grad.numpy().tolist() == [2.0 * n] * 4


def test_conv1d_with_huge_strides_has_one_output_step(backend):
    """strides far beyond the input (2**58, whose byte stride does not fit in an int64): one output step, the
    first window, as torch gives (found by a tester as an OverflowError in the strided gather)."""
    x, w = np.arange(40.0).reshape(1, 10, 4), np.ones((3, 4, 6))
    y = conv1d(_t(x, backend), _t(w, backend), strides=2**58)
    np.testing.assert_allclose(y.numpy(), ref_conv1d(x, w, None, 1, "valid", 1, 1)[:, :1], atol=1e-12)


def test_conv1d_hand_values(backend):
    x = _t(np.arange(6, dtype=float).reshape(1, 6, 1), backend)
    w = _t(np.array([1.0, 10.0]).reshape(2, 1, 1), backend)
    assert conv1d(x, w).numpy()[0, :, 0].tolist() == [10, 21, 32, 43, 54]
    assert conv1d(x, w, strides=2).numpy()[0, :, 0].tolist() == [10, 32, 54]
    assert conv1d(x, w, padding="same").numpy()[0, :, 0].tolist() == [10, 21, 32, 43, 54, 5]   # pad (0, 1)
    assert conv1d(x, w, padding="causal").numpy()[0, :, 0].tolist() == [0, 10, 21, 32, 43, 54]  # pad (1, 0)
    assert conv1d(x, w, dilation_rate=3).numpy()[0, :, 0].tolist() == [30, 41, 52]
    assert conv1d(x, w, padding=(2, -3)).numpy()[0, :, 0].tolist() == [0, 0, 10, 21]           # [0, 0, 0, 1, 2]
    xg = _t(np.arange(8, dtype=float).reshape(1, 4, 2), backend)   # channels [0,2,4,6] and [1,3,5,7]
    wg = _t(np.array([1.0, 100.0]).reshape(1, 1, 2), backend)
    assert conv1d(xg, wg, groups=2).numpy()[0].tolist() == [[0, 100], [2, 300], [4, 500], [6, 700]]


def test_default_data_format_follows_config(backend):
    x = np.random.default_rng(0).standard_normal((2, 3, 5))    # channels_first: 3 channels, 5 steps
    w = np.random.default_rng(1).standard_normal((2, 4, 3))
    previous = config.image_data_format()
    try:
        config.set_image_data_format("channels_first")
        y = conv1d_transpose(_t(x, backend), _t(w, backend), strides=2).numpy()
    finally:
        config.set_image_data_format(previous)
    expected = ref_conv1d_transpose(x.transpose(0, 2, 1), w, None, 2, "valid", None, 1).transpose(0, 2, 1)
    assert y.shape == (2, 4, 10)
    np.testing.assert_allclose(y, expected, atol=1e-12)


def test_accepts_array_data_and_converts_to_the_input_backend(backend):
    x = _t(np.ones((1, 3, 2)), backend)
    y = conv1d_transpose(x, np.ones((2, 1, 2)), np.zeros(1), strides=2)   # kernel and bias as NumPy data
    assert y.backend.name == backend
    assert y.numpy()[0, :, 0].tolist() == [2, 2, 2, 2, 2, 2]
    assert conv1d(np.ones((1, 3, 2)), np.ones((2, 2, 1))).numpy()[0, :, 0].tolist() == [4, 4]


# ---------------------------------------------------------------------------------------------------------------
# Gradients (float64 finite differences)
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "kwargs, shapes",
    [
        ({"strides": 2, "padding": "same"}, ((2, 5, 3), (3, 2, 3))),
        ({"strides": 3, "padding": "valid", "output_padding": 2}, ((1, 4, 2), (2, 3, 2))),
        ({"strides": 1, "padding": "same", "output_padding": 0, "dilation_rate": 3}, ((2, 4, 2), (2, 2, 2))),
        ({"strides": 2, "padding": "same", "dilation_rate": 2, "data_format": "channels_first"},
         ((1, 2, 4), (3, 3, 2))),
        ({"strides": 4, "padding": "same", "output_padding": 3}, ((1, 3, 2), (2, 2, 2))),
    ],
)
def test_conv1d_transpose_gradcheck(backend, kwargs, shapes):
    rng = np.random.default_rng(3)
    x, w = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    b = rng.standard_normal(shapes[1][1])
    assert tg.gradcheck(lambda *a: conv1d_transpose(*a, **kwargs), _t(x, backend, True), _t(w, backend, True),
                        _t(b, backend, True), atol=1e-7, rtol=1e-5)


@pytest.mark.parametrize(
    "kwargs, shapes",
    [
        ({"strides": 2, "padding": "same"}, ((2, 7, 3), (3, 3, 2))),
        ({"strides": 1, "padding": "causal", "dilation_rate": 2}, ((1, 6, 2), (3, 2, 3))),
        ({"strides": 3, "padding": "valid", "groups": 2}, ((1, 8, 4), (2, 2, 4))),
        ({"strides": 2, "padding": (1, -2), "data_format": "channels_first"}, ((1, 2, 7), (2, 2, 2))),
    ],
)
def test_conv1d_gradcheck(backend, kwargs, shapes):
    rng = np.random.default_rng(4)
    x, w = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    b = rng.standard_normal(shapes[1][2])
    assert tg.gradcheck(lambda *a: conv1d(*a, **kwargs), _t(x, backend, True), _t(w, backend, True),
                        _t(b, backend, True), atol=1e-7, rtol=1e-5)


def test_only_requested_gradients(backend):
    rng = np.random.default_rng(5)
    x = _t(rng.standard_normal((1, 4, 2)), backend, False)
    w = _t(rng.standard_normal((3, 2, 2)), backend, True)
    y = conv1d_transpose(x, w, None, strides=2)
    y.sum().backward()
    assert x.grad is None and w.grad is not None and w.grad.shape == (3, 2, 2)
    # dW[t, o, i] = sum_j x[j, i] * (sum of dy over the window) = sum_j x[j, i] for an all-ones dy
    np.testing.assert_allclose(w.grad.numpy(), np.broadcast_to(x.numpy()[0].sum(0), (3, 2, 2)), atol=1e-12)


@pytest.mark.parametrize("op_name", ["conv1d", "conv1d_transpose"])
def test_chunked_path_matches_single_chunk(backend, monkeypatch, op_name):
    """Force one sample per chunk, then also 3 threads sharing the batch: forward and every gradient must equal the
    one-chunk, one-thread results."""
    rng = np.random.default_rng(6)
    if op_name == "conv1d":
        fn = lambda a, b_, c: conv1d(a, b_, c, strides=2, padding="same", groups=2)
        x, w, b = rng.standard_normal((5, 9, 4)), rng.standard_normal((3, 2, 6)), rng.standard_normal(6)
    else:
        fn = lambda a, b_, c: conv1d_transpose(a, b_, c, strides=3, padding="same", dilation_rate=2)
        x, w, b = rng.standard_normal((5, 6, 4)), rng.standard_normal((3, 6, 4)), rng.standard_normal(6)
    results = []
    for chunk_bytes, threads in ((1 << 30, 1), (1, 1), (1, 3)):
        set_chunk_bytes(monkeypatch, chunk_bytes)
        monkeypatch.setattr(conv_batching, "THREADS", threads)
        ts = [_t(a, backend, True) for a in (x, w, b)]
        y = fn(*ts)
        v = _t(np.cos(np.arange(np.prod(y.shape))).reshape(y.shape), backend)
        (y * v).sum().backward()
        results.append([y.numpy()] + [t.grad.numpy() for t in ts])
    for one, many, threaded in zip(*results):
        np.testing.assert_allclose(many, one, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(threaded, one, rtol=1e-13, atol=1e-13)


def test_threaded_parts_restore_blas_threads(monkeypatch):
    """The batch split sets NumPy's BLAS to one thread only while the parts run, and gives every sample its own
    output (checked against the naive reference)."""
    threadpoolctl = pytest.importorskip("threadpoolctl")
    set_chunk_bytes(monkeypatch, 1)
    monkeypatch.setattr(conv_batching, "THREADS", 2)
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((4, 5, 3)), rng.standard_normal((3, 2, 3))
    with threadpoolctl.threadpool_limits(2, user_api="blas"):
        y = conv1d_transpose(x, w, strides=2).numpy()
        after = [info["num_threads"] for info in threadpoolctl.threadpool_info() if info["user_api"] == "blas"]
    assert after and all(n == 2 for n in after)
    np.testing.assert_allclose(y, ref_conv1d_transpose(x, w, None, 2, "valid", None, 1), rtol=1e-12, atol=1e-12)


# ---------------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def transpose_cases(draw):
    k, s, d = draw(st.integers(1, 6)), draw(st.integers(1, 6)), draw(st.integers(1, 4))
    padding = draw(st.sampled_from(["valid", "same"]))
    op = draw(st.one_of(st.none(), st.integers(0, 2 * s)))      # also output_padding >= strides (ops allow it)
    length = draw(st.integers(1, 12))
    batch, c_in, filters = draw(st.integers(1, 3)), draw(st.integers(1, 3)), draw(st.integers(1, 3))
    seed = draw(st.integers(0, 2**32 - 1))
    return length, k, s, d, padding, op, batch, c_in, filters, seed


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=transpose_cases())
def test_property_matches_reference_and_is_linear(backend, case):
    length, k, s, d, padding, op, batch, c_in, filters, seed = case
    rng = np.random.default_rng(seed)
    x1, x2 = rng.standard_normal((2, batch, length, c_in))
    w = rng.standard_normal((k, filters, c_in))

    def f(x):
        return conv1d_transpose(_t(x, backend), _t(w, backend), strides=s, padding=padding, output_padding=op,
                                dilation_rate=d).numpy()

    y1 = f(x1)
    np.testing.assert_allclose(y1, ref_conv1d_transpose(x1, w, None, s, padding, op, d), atol=1e-10)
    np.testing.assert_allclose(f(2.0 * x1 - 3.0 * x2), 2.0 * y1 - 3.0 * f(x2), atol=1e-10)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(case=transpose_cases())
def test_property_shift_equivariance(backend, case):
    """Prepending one zero sample to the input shifts the full transposed convolution by ``strides``."""
    length, k, s, d, _, _, batch, c_in, filters, seed = case
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((batch, length, c_in))
    w = _t(rng.standard_normal((k, filters, c_in)), backend)
    y = conv1d_transpose(_t(x, backend), w, strides=s, dilation_rate=d, output_padding=0).numpy()
    shifted = np.concatenate([np.zeros((batch, 1, c_in)), x], axis=1)
    y2 = conv1d_transpose(_t(shifted, backend), w, strides=s, dilation_rate=d, output_padding=0).numpy()
    np.testing.assert_allclose(y2[:, s:, :], y, atol=1e-12)
    assert np.all(y2[:, :s, :] == 0)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(length=st.integers(1, 15), k=st.integers(1, 6), s=st.integers(1, 5), d=st.integers(1, 4),
       padding=st.sampled_from(["valid", "same", "causal"]), groups=st.sampled_from([1, 2, 3]),
       seed=st.integers(0, 2**32 - 1))
def test_property_conv1d_matches_reference(backend, length, k, s, d, padding, groups, seed):
    rng = np.random.default_rng(seed)
    x = rng.standard_normal((2, length, 2 * groups))
    w = rng.standard_normal((k, 2, 3 * groups))
    y = conv1d(_t(x, backend), _t(w, backend), strides=s, padding=padding, dilation_rate=d, groups=groups).numpy()
    np.testing.assert_allclose(y, ref_conv1d(x, w, None, s, padding, d, groups), atol=1e-10)


def test_pointwise_kernel_is_a_matmul(backend):
    rng = np.random.default_rng(7)
    x, w = rng.standard_normal((2, 5, 3)), rng.standard_normal((1, 4, 3))
    y = conv1d_transpose(_t(x, backend), _t(w, backend)).numpy()
    np.testing.assert_allclose(y, x @ w[0].T, atol=1e-12)
    y = conv1d(_t(x, backend), _t(np.transpose(w, (0, 2, 1)), backend)).numpy()
    np.testing.assert_allclose(y, x @ w[0].T, atol=1e-12)


def test_float32_stays_float32(backend):
    rng = np.random.default_rng(8)
    x = _t(rng.standard_normal((2, 6, 3)), backend, True, dtype="float32")
    w = _t(rng.standard_normal((3, 4, 3)), backend, True, dtype="float32")
    y = conv1d_transpose(x, w, strides=2, padding="same")
    y.sum().backward()
    assert {str(a.dtype).split(".")[-1] for a in (y, x.grad, w.grad)} == {"float32"}
    expected = ref_conv1d_transpose(x.numpy().astype(float), w.numpy().astype(float), None, 2, "same", None, 1)
    np.testing.assert_allclose(y.numpy(), expected, rtol=1e-5, atol=1e-5)


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------
def _ones(*shape):
    return np.ones(shape)


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((_ones(4, 10), _ones(3, 2, 10)), {}, ValueError,
         (r"`conv1d_transpose` expects a rank-3 input of shape \(batch, steps, channels\) "
         r"\(data_format='channels_last'\); received an input of shape \(4, 10\)")),
        ((_ones(1, 4, 10), _ones(3, 10)), {}, ValueError,
         r"rank-3 kernel of shape \(kernel_size, filters, input_channels\); received a kernel of shape \(3, 10\)"),
        ((_ones(1, 5, 3), _ones(3, 2, 4)), {}, ValueError,
         (r"The number of input channels must match the kernel's input channels. Received: input channels=3, "
         r"kernel input channels=4 \(kernel shape \(3, 2, 4\)\), data_format='channels_last'")),
        ((_ones(1, 3, 5), _ones(3, 2, 4)), {"data_format": "channels_first"}, ValueError,
         r"input channels=3, kernel input channels=4 .*data_format='channels_first'"),
        ((_ones(1, 5, 3), _ones(3, 2, 3), _ones(3)), {}, ValueError,
         (r"expected a bias of shape \(filters,\) = \(2,\) for a kernel of shape \(3, 2, 3\); received a bias of "
         r"shape \(3,\)")),
        ((_ones(1, 5, 3), _ones(0, 2, 3)), {}, ValueError, r"the kernel has no taps"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"padding": "causal"}, ValueError,
         r"Expected one of \('valid', 'same'\) or a tuple \(left, right\).*Received padding='causal'"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"padding": 1}, TypeError, r"Received padding=1 of type int"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"strides": 0}, ValueError,
         r"Invalid value for argument `strides`. Expected a strictly positive integer. Received strides=0"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"strides": 2.0}, TypeError, r"Received strides=2.0 of type float"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"dilation_rate": (1, 1)}, ValueError,
         r"Received dilation_rate=\(1, 1\)"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"output_padding": -1}, ValueError, r"Received output_padding=-1"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"data_format": "NWC"}, ValueError,
         r"The `data_format` argument must be one of .*Received: data_format=nwc"),
        ((None, _ones(3, 2, 3)), {}, TypeError, r"Invalid type for argument `x`. .*Received x=None"),
        ((_ones(1, 5, 3), None), {}, TypeError, r"Invalid type for argument `kernel`. .*Received kernel=None"),
        ((_ones(1, 5, 3), _ones(3, 2, 3)), {"strides": 2**62}, ValueError,
         r"`conv1d_transpose`: the output would have \d+ steps .*Received strides=4611686018427387904"),
    ],
)
def test_conv1d_transpose_validation(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        conv1d_transpose(*args, **kwargs)


@pytest.mark.parametrize(
    "args, kwargs, exc, match",
    [
        ((_ones(1, 5, 4), _ones(3, 3, 2)), {}, ValueError,
         r"input channels=4, kernel input channels=3 \(kernel shape \(3, 3, 2\)\), groups=1"),
        ((_ones(1, 5, 4), _ones(3, 2, 3)), {"groups": 2}, ValueError,
         r"filters must be divisible by `groups`. Received: filters=3"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"groups": 0}, ValueError, r"Received groups=0"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"padding": "full"}, ValueError,
         r"\('valid', 'same', 'causal'\) or a tuple \(left, right\) of two integers.*Received padding='full'"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"padding": (1, 2, 3)}, ValueError,
         r"tuple \(left, right\) of two integers.*Received padding=\(1, 2, 3\)"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"padding": (1.5, 2)}, TypeError,
         r"Invalid type for argument `padding`. .*tuple \(left, right\) of two integers.*Received padding=\(1.5, 2\)"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"padding": (True, False)}, TypeError,
         r"Received padding=\(True, False\)"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"padding": np.array([1, 2])}, TypeError,
         r"or a tuple \(left, right\) of two integers.*Received padding=array\(\[1, 2\]\) of type ndarray"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"padding": None}, TypeError, r"or a tuple \(left, right\).*NoneType"),
        ((_ones(5, 4), _ones(3, 4, 2)), {}, ValueError, r"`conv1d` expects a rank-3 input"),
        ((None, _ones(3, 4, 2)), {}, TypeError, r"Invalid type for argument `x`. .*Received x=None"),
        ((_ones(1, 5, 4), None), {}, TypeError, r"Invalid type for argument `kernel`. .*Received kernel=None"),
        ((_ones(1, 5, 4), _ones(3, 4, 2)), {"padding": (2**62, 2**62)}, ValueError,
         r"`conv1d`: the output would have \d+ steps .*Received padding=\(4611686018427387904, 4611686018427387904\)"),
    ],
)
def test_conv1d_validation(args, kwargs, exc, match):
    with pytest.raises(exc, match=match):
        conv1d(*args, **kwargs)


def test_dtype_validation():
    x32 = tg.Tensor(np.ones((1, 4, 2)), dtype="float32")
    w64 = tg.Tensor(np.ones((2, 2, 2)), dtype="float64")
    with pytest.raises(TypeError, match=r"must have the same dtype; received input float32, kernel float64"):
        conv1d_transpose(x32, w64)
    xi = tg.Tensor(np.ones((1, 4, 2)), dtype="int64")
    with pytest.raises(TypeError, match=r"needs floating-point arrays; received input of dtype int64"):
        conv1d(xi, tg.Tensor(np.ones((2, 2, 2)), dtype="float64"))


@pytest.mark.parametrize("call, received", [
    (lambda x, w: conv1d_transpose(x, w, strides=10**12), "strides=1000000000000, output_padding=None"),
    (lambda x, w: conv1d_transpose(x, w, dilation_rate=10**15), "dilation_rate=1000000000000000"),
    (lambda x, w: conv1d(x, w[:, :2, :2], padding=(10**12, 0)), "padding=(1000000000000, 0)"),
])
def test_an_output_larger_than_the_memory_is_a_clear_error(call, received, monkeypatch):
    """Found by a tester: NumPy's "MemoryError: Unable to allocate 54.6 TiB" from deep inside. The machine's
    memory is set to 1 GiB here, so that the check does not depend on the machine."""
    monkeypatch.setattr(conv_module, "physical_memory", lambda: 2**30)
    x, w = np.ones((1, 5, 2), np.float32), np.ones((2, 3, 2), np.float32)
    with pytest.raises(ValueError, match=r"GiB, more than this machine's memory \(1 GiB\)\. Received .*"
                       + re.escape(received)):
        call(x, w)


def test_an_output_too_large_for_any_array_is_a_clear_error():
    huge = str(2**62)
    with pytest.raises(ValueError, match=r"more than one array can hold\. Received .*output_padding=" + huge):
        conv1d_transpose(np.ones((1, 5, 2), np.float32), np.ones((2, 3, 2), np.float32), output_padding=2**62)


def test_an_output_that_fits_in_the_memory_is_computed(monkeypatch):
    monkeypatch.setattr(conv_module, "TAP_PLAN_BYTES", 1)
    plan = 2                                                                 # two taps' plans, one byte each
    monkeypatch.setattr(conv_module, "physical_memory", lambda: 4 * 30 + plan)      # 30 float32 values exactly
    y = conv1d_transpose(np.ones((1, 5, 2), np.float32), np.ones((2, 3, 2), np.float32), strides=2)
    assert y.shape == (1, 10, 3)
    monkeypatch.setattr(conv_module, "physical_memory", lambda: 4 * 30 + plan - 1)
    with pytest.raises(ValueError, match="a kernel of 2 taps needs a plan .* more than this machine's memory"):
        conv1d_transpose(np.ones((1, 5, 2), np.float32), np.ones((2, 3, 2), np.float32), strides=2)
    monkeypatch.setattr(conv_module, "physical_memory", lambda: 4 * 30 - 1)
    with pytest.raises(ValueError, match="the output would have 10 steps .* more than this machine's memory"):
        conv1d_transpose(np.ones((1, 5, 2), np.float32), np.ones((2, 3, 2), np.float32), strides=2)


def test_a_kernel_whose_plan_cannot_fit_is_refused_before_any_work(monkeypatch):
    """``Conv1DTranspose(1, 10**8)`` on 3 steps was killed by the system after two minutes at 24 GB (found by a
    tester): its output (400 MB) fits, the plan of its 10**8 taps (about 20 GB) did not. The same at a smaller
    scale: 10**5 taps, a 400 kB output, and a machine of 10 MB."""
    monkeypatch.setattr(conv_module, "physical_memory", lambda: 10 * 2**20)
    with pytest.raises(ValueError, match=r"`conv1d_transpose`: a kernel of 100000 taps needs a plan of about 200 "
                                         r"bytes a tap .*more than this machine's memory \(0\.009766 GiB\) allows "
                                         r".*Received a kernel_size of 100000"):
        conv1d_transpose(np.ones((1, 3, 1), np.float32), np.ones((10**5, 1, 1), np.float32))


@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
def test_a_kernel_longer_than_the_signal_takes_the_plain_path_against_the_loop_reference(op, monkeypatch):
    """The tap-group paths and the shared gather serve only when the taps do not outnumber the rows of their
    products: with 10**4 taps on a few steps they took 0.07-2 s where the plain path takes about 0.01 s, and the
    shared gather of 10**5 taps asked for 74.5 GiB (found by a tester). Values and gradients against the loop
    reference, float64, for a kernel of 40 taps on 3 to 45 steps."""
    rng = np.random.default_rng(3)
    for length in (3, 45):
        w = rng.standard_normal((40, 2, 2))
        x = rng.standard_normal((2, length, 2))
        if op == "conv1d" and length < 40:
            x = rng.standard_normal((2, 44, 2))            # conv1d: a valid output of 5 steps, 40 taps
        reference = ref_conv1d(x, w, None, 1, "valid") if op == "conv1d" else ref_conv1d_transpose(x, w, None, 1,
                                                                                                   "valid")
        tx, tw = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
        y = (conv1d if op == "conv1d" else conv1d_transpose)(tx, tw)
        np.testing.assert_allclose(y.numpy(), reference, atol=1e-12)
        y.sum().backward()
        eps, probe = 1e-6, (0, 1, 1)
        for t, a in ((tx, x), (tw, w)):
            bumped = a.copy()
            bumped[probe] += eps
            up = (ref_conv1d(bumped if t is tx else x, bumped if t is tw else w, None, 1, "valid") if op == "conv1d"
                  else ref_conv1d_transpose(bumped if t is tx else x, bumped if t is tw else w, None, 1, "valid"))
            assert abs(t.grad.numpy()[probe] - (up.sum() - reference.sum()) / eps) < 1e-5


def test_a_list_or_integer_kernel_and_bias_take_the_inputs_dtype():
    """Found by a tester: a Python-list bias beside float64 arrays became float32 and the call failed, with a
    message about a float32 the user never passed. Values against the float64 reference loop."""
    x, w = np.arange(10.0).reshape(1, 5, 2), np.arange(12.0).reshape(3, 2, 2) / 7
    y = conv1d(x, w, [1.0, 2.0])
    assert str(y.dtype) == "float64"
    np.testing.assert_allclose(y.numpy(), ref_conv1d(x, w, np.array([1.0, 2.0])), rtol=1e-12)
    assert str(conv1d(x, w.astype(np.int64), np.array([1, 2])).dtype) == "float64"
    assert str(conv1d_transpose(x, [[[1.0, 1.0]]]).dtype) == "float64"
    hint = r"received input float32, kernel float64 \(an integer array or a Python list given as the input becomes"
    with pytest.raises(TypeError, match=hint):
        conv1d(np.ones((1, 5, 2), np.int64), np.ones((2, 2, 3)))


# ---------------------------------------------------------------------------------------------------------------
# Optimised paths against the plain ones (docs/conv1d_transpose_math.md, "Optimised paths")
# ---------------------------------------------------------------------------------------------------------------
def _optimised_grid():
    """Configurations on both sides of every path switch: strides 1 (plain), 1 < s <= k without dilation (blocked
    overlap-add, with and without leftover taps k % s), s > k and dilation > 1 (plain); crops and zero extension."""
    for length, k, s, d, padding in itertools.product((1, 2, 5), range(1, 6), range(1, 5), (1, 2), ("valid", "same")):
        for op in (None, 0, s - 1, s + 1):
            yield length, k, s, d, padding, op


def _overlap_add_paths(backend, monkeypatch, x, w, s, padding, op, d):
    """conv1d_transpose of ``x`` by ``w`` through the blocked overlap-add building F in place, the same building F
    in a buffer, and the plain path (in that order), as Tensors; the switches are set back to the blocked path."""
    results = []
    for blocked, in_place in ((True, True), (True, False), (False, True)):
        monkeypatch.setattr(conv_module, "BLOCKED_OVERLAP_ADD", blocked)
        monkeypatch.setattr(conv_module, "IN_PLACE_BLOCKS", in_place)
        results.append(conv1d_transpose(_t(x, backend), _t(w, backend), strides=s, padding=padding,
                                        output_padding=op, dilation_rate=d))
    monkeypatch.setattr(conv_module, "BLOCKED_OVERLAP_ADD", True)
    return results


def test_blocked_overlap_add_matches_plain_path(backend, monkeypatch):
    """The blocked overlap-add, building F in a buffer or (NumPy, window = all of F) in the output itself, against
    the plain path and the loop reference."""
    rng = np.random.default_rng(9)
    blocked_taken = plain_taken = in_place_taken = 0
    for length, k, s, d, padding, op in _optimised_grid():
        x, w = rng.standard_normal((3, length, 2)), rng.standard_normal((k, 3, 2))
        results = [r.numpy() for r in _overlap_add_paths(backend, monkeypatch, x, w, s, padding, op, d)]
        takes_blocked = (conv_module._takes_blocked_overlap_add(get_backend(backend).xp, k, s, d)
                         and conv_module._full_output_fits(length, k, s, d))
        blocked_taken += takes_blocked
        plain_taken += not takes_blocked
        in_place_taken += takes_blocked and results[0].shape[1] == (length + (k - 1) // s) * s and (
            padding == "valid")
        for result in results[:2]:
            np.testing.assert_allclose(result, results[2], rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(results[2], ref_conv1d_transpose(x, w, None, s, padding, op, d), atol=1e-12)
    if backend == "cupy":                                           # the tuned paths serve the CPU only
        assert blocked_taken == 0
    else:
        assert blocked_taken > 100 and plain_taken > 100 and in_place_taken > 20    # the grid takes every path


def test_blocked_overlap_add_of_one_sample_builds_the_output_as_a_window_of_f(backend, monkeypatch):
    """With one sample the blocked overlap-add builds F in place and returns its window (C-ordered), crops and all:
    against the buffered and plain paths and the loop reference."""
    rng = np.random.default_rng(15)
    windows = 0
    for length, k, s, d, padding, op in _optimised_grid():
        x, w = rng.standard_normal((1, length, 2)), rng.standard_normal((k, 3, 2))
        tensors = _overlap_add_paths(backend, monkeypatch, x, w, s, padding, op, d)
        first = tensors[0].data
        base = getattr(first, "base", None)
        if base is not None and base.size > first.size:              # a window of the larger F
            windows += 1
            assert first.flags.c_contiguous
        results = [t.numpy() for t in tensors]
        for result in results[:2]:
            np.testing.assert_allclose(result, results[2], rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(results[2], ref_conv1d_transpose(x, w, None, s, padding, op, d), atol=1e-12)
    assert windows > 20 or backend != "numpy"                      # the window serves on NumPy


@pytest.mark.parametrize("long_kernel_taps", [2, 32])
def test_long_kernels_take_the_correlation_with_the_flipped_kernel(backend, monkeypatch, long_kernel_taps):
    """conv1d_transpose with stride 1 and at least LONG_KERNEL_TAPS taps, computed as the correlation of the padded
    input with the flipped kernel: against the overlap-add paths and the loop reference, with crops ("same"),
    output_padding and dilation; the threshold lowered to 2 runs it on the small grid too."""
    monkeypatch.setattr(conv_module, "LONG_KERNEL_TAPS", long_kernel_taps)
    rng = np.random.default_rng(21)
    lengths = (2, 5) if long_kernel_taps == 2 else (37, 50)
    kernels = range(2, 6) if long_kernel_taps == 2 else (32, 35)
    correlations = count_calls(monkeypatch, conv_module, ["conv1d_forward"])
    taken = 0
    for length, k, d, padding, op in itertools.product(lengths, kernels, (1, 2), ("valid", "same"), (None, 0)):
        x, w = rng.standard_normal((3, length, 2)), rng.standard_normal((k, 3, 2))
        calls = correlations[0]
        got = conv1d_transpose(_t(x, backend), _t(w, backend), padding=padding, output_padding=op,
                               dilation_rate=d).numpy()
        taken += correlations[0] > calls
        monkeypatch.setattr(conv_module, "LONG_KERNEL_TAPS", None)
        overlap_add = conv1d_transpose(_t(x, backend), _t(w, backend), padding=padding, output_padding=op,
                                       dilation_rate=d).numpy()
        monkeypatch.setattr(conv_module, "LONG_KERNEL_TAPS", long_kernel_taps)
        np.testing.assert_allclose(got, ref_conv1d_transpose(x, w, None, 1, padding, op, d), atol=1e-12)
        np.testing.assert_allclose(got, overlap_add, rtol=1e-12, atol=1e-12)
    if backend == "cupy":                                           # the tuned paths serve the CPU only
        assert taken == 0
    else:
        assert taken == sum((k - 1) * d <= length for length, k, d, *_ in itertools.product(
            lengths, kernels, (1, 2), ("valid", "same"), (None, 0))) > 0


def test_conv1d_input_gradient_of_a_long_kernel_is_the_transposed_convolution_of_dy(backend, monkeypatch):
    """conv1d's dx with a long kernel (its overlap-add of dy goes through the correlation path): against the loop
    reference of the transposed convolution of dy by the same kernel, for one wanted gradient and for both."""
    monkeypatch.setattr(conv_module, "LONG_KERNEL_TAPS", 32)
    rng = np.random.default_rng(22)
    for d, both in itertools.product((1, 2), (False, True)):
        x, w = rng.standard_normal((2, 100, 3)), rng.standard_normal((40, 3, 2))
        tx, tw = _t(x, backend, requires_grad=True), _t(w, backend, requires_grad=both)
        y = conv1d(tx, tw, dilation_rate=d)
        dy = rng.standard_normal(y.shape)
        (y * _t(dy, backend)).sum().backward()
        np.testing.assert_allclose(tx.grad.numpy(), ref_conv1d_transpose(dy, w, None, 1, "valid", None, d),
                                   atol=1e-11)


def test_long_kernel_with_an_infinite_tap_keeps_the_overlap_add(backend, monkeypatch):
    """An inf in the kernel would meet the correlation's padding zeros (0 * inf = NaN where the transposed
    convolution sums no such product): that kernel goes through the overlap-add; NaN exactly where the loop
    reference has it."""
    monkeypatch.setattr(conv_module, "LONG_KERNEL_TAPS", 32)
    rng = np.random.default_rng(23)
    x, w = rng.standard_normal((2, 40, 2)), rng.standard_normal((33, 3, 2))
    w[0, 1, 0] = np.inf
    got = conv1d_transpose(_t(x, backend), _t(w, backend)).numpy()
    reference = ref_conv1d_transpose(x, w, None, 1, "valid")
    np.testing.assert_array_equal(np.isnan(got), np.isnan(reference))
    np.testing.assert_allclose(got, reference, atol=1e-12)
    assert not conv_module._takes_correlation(np, w, 1, 1, 40) and conv_module._takes_correlation(np, w[1:], 1, 1, 40)


def test_correlation_serves_long_kernels_over_few_channels_that_span_at_most_the_input():
    """The rule of _takes_correlation: k >= 32 taps, (k - 1) * d <= L, C_in * filters <= 256, stride 1."""
    takes = functools.partial(conv_module._takes_correlation, np)
    assert takes(np.ones((32, 8, 8)), 1, 1, 31) and takes(np.ones((101, 8, 8)), 1, 2, 256)
    assert not takes(np.ones((31, 8, 8)), 1, 1, 256)                  # a short kernel: the overlap-add
    assert not takes(np.ones((32, 8, 8)), 2, 1, 256)                  # a stride
    assert not takes(np.ones((32, 8, 8)), 1, 20, 64)                  # spans 10 times the input
    assert not takes(np.ones((32, 16, 32)), 1, 1, 1024)               # 32 by 16 channels
    assert takes(np.ones((32, 16, 16)), 1, 1, 1024)


def test_blocked_path_is_taken_for_strides_one_or_between_one_and_k_without_dilation():
    takes = functools.partial(conv_module._takes_blocked_overlap_add, np)
    assert takes(3, 2, 1) and takes(4, 4, 1)
    assert takes(3, 1, 1)                                           # strides 1: every tap is a group of its own
    assert takes(3, 1, 4)                                           # ... at any dilation
    assert not takes(2, 3, 1)                                       # s > k: no full group of s taps
    assert not takes(3, 2, 2)                                       # dilation: taps of a group are not adjacent


@pytest.mark.parametrize("blocked", [True, False])
def test_conv1d_input_gradient_is_the_transposed_convolution_of_dy(backend, monkeypatch, blocked):
    """conv1d's dx through both overlap-add paths, against the reference adjoint (the reference transposed
    convolution's Jacobian transposed), for paddings that crop, extend and drop samples."""
    monkeypatch.setattr(conv_module, "BLOCKED_OVERLAP_ADD", blocked)
    rng = np.random.default_rng(10)
    for length, k, s, padding, groups in itertools.product((5, 8), (2, 3, 4), (1, 2, 3),
                                                           ("valid", "same", "causal", (2, -1)), (1, 2)):
        x, w = rng.standard_normal((2, length, 4)), rng.standard_normal((k, 4 // groups, 2))
        v = rng.standard_normal(ref_conv1d(x, w, None, s, padding, 1, groups).shape)
        tx = _t(x, backend, True)
        conv1d(tx, _t(w, backend), strides=s, padding=padding, groups=groups).backward(_t(v, backend))
        expected = linear_gradient(lambda e, w=w, s=s, p=padding, g=groups, v=v:
                                    np.sum(ref_conv1d(e, w, None, s, p, 1, g) * v), x.shape)
        np.testing.assert_allclose(tx.grad.numpy(), expected, atol=1e-12)


def test_channels_first_input_gradient_as_a_window_of_the_full_output(backend, monkeypatch):
    """conv1d's dx of a channels_first input, which the blocked overlap-add may return as the window of the full
    output F built for the whole batch (a view, when the rows outside take no more memory than a chunk buffer),
    against the copying path and the reference adjoint; crops at both ends included."""
    rng = np.random.default_rng(14)
    windows = 0
    for length, k, s, d, padding in itertools.product((5, 8, 9), (2, 3, 5), (1, 2, 3), (1, 2),
                                                      ("valid", "same", "causal", (2, -1))):
        if d > 1 and s > 1:
            continue
        x, w = rng.standard_normal((3, 4, length)), rng.standard_normal((k, 4, 2))
        nlc = x.transpose(0, 2, 1)
        v = rng.standard_normal(ref_conv1d(nlc, w, None, s, padding, d, 1).shape).transpose(0, 2, 1)
        grads = []
        for in_place in (True, False):
            monkeypatch.setattr(conv_module, "IN_PLACE_BLOCKS", in_place)
            tx = _t(x, backend, True)
            conv1d(tx, _t(w, backend), strides=s, padding=padding, dilation_rate=d,
                   data_format="channels_first").backward(_t(v, backend))
            grads.append(tx.grad)
        base = getattr(grads[0].data, "base", None)
        windows += base is not None and base.size > x.size            # a view of the larger F
        expected = linear_gradient(lambda e, w=w, s=s, p=padding, d=d, v=v: np.sum(
            ref_conv1d(e.transpose(0, 2, 1), w, None, s, p, d, 1) * v.transpose(0, 2, 1)), x.shape)
        np.testing.assert_allclose(grads[0].numpy(), grads[1].numpy(), rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(grads[0].numpy(), expected, atol=1e-12)
    assert windows > 20 or backend != "numpy"                      # the window view serves on NumPy


def test_fused_transpose_backward_matches_the_literal_reference(backend, monkeypatch):
    """conv1d_transpose_backward (one shared gather) against
    conv1d_transpose_backward_reference, which calls the conv1d kernels on their plain gather paths:
    dx = conv1d(dy, W, padding=(c_left, c_right)), dW = that conv1d's kernel gradient. dy also as a permuted view
    (how a channels_first output gradient arrives), and each gradient alone."""
    from tinygradconv.backend import get_backend
    from tinygradconv.ops.conv_arithmetic import transpose_window

    xp = get_backend(backend).xp
    as_numpy = lambda a: tg.Tensor(a, backend=backend).numpy()
    rng = np.random.default_rng(11)
    for length, k, s, d, padding, op in _optimised_grid():
        x, w = rng.standard_normal((2, length, 3)), rng.standard_normal((k, 2, 3))
        c_left, n_out = transpose_window(length, (k - 1) * d + 1, s, padding, op)
        g = rng.standard_normal((2, n_out, 2))
        arrays = [tg.Tensor(a, dtype="float64", backend=backend).data for a in (g, x, w)]
        for switch in ("BLOCKED_FORWARD", "BLOCKED_KERNEL_GRAD"):
            monkeypatch.setattr(conv_module, switch, False)
        ref_dx, ref_dw = (as_numpy(a) for a in conv_module.conv1d_transpose_backward_reference(xp, *arrays, s, d,
                                                                                                c_left))
        permuted = tg.Tensor(np.ascontiguousarray(g.transpose(0, 2, 1)), dtype="float64", backend=backend).data
        for dy in (arrays[0], xp.permute_dims(permuted, (0, 2, 1))):
            dx, dw, _ = conv_module.conv1d_transpose_backward(xp, dy, *arrays[1:], s, d, c_left)
            np.testing.assert_allclose(as_numpy(dx), ref_dx, rtol=1e-13, atol=1e-13)
            np.testing.assert_allclose(as_numpy(dw), ref_dw, rtol=1e-13, atol=1e-13)
        dx, none_w, _ = conv_module.conv1d_transpose_backward(xp, *arrays, s, d, c_left, need_kernel=False)
        none_x, dw, _ = conv_module.conv1d_transpose_backward(xp, *arrays, s, d, c_left, need_x=False)
        assert none_w is None and none_x is None
        np.testing.assert_allclose(as_numpy(dx), ref_dx, rtol=1e-13, atol=1e-13)
        np.testing.assert_allclose(as_numpy(dw), ref_dw, rtol=1e-13, atol=1e-13)


# ---------------------------------------------------------------------------------------------------------------
# The op Functions called directly, with the optional bias left out (issue 9, item 8)
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize("function, kwargs, shapes", [
    (conv_module.Conv1dTransposeOp, {"strides": 2}, ((2, 4, 3), (3, 2, 3))),
    (conv_module.Conv1dTransposeOp, {"strides": 3, "padding": "same", "dilation_rate": 2}, ((1, 3, 2), (2, 2, 2))),
    (conv_module.Conv1dOp, {"strides": 2}, ((2, 7, 3), (3, 3, 2))),
    (conv_module.Conv1dOp, {"padding": "causal", "groups": 3}, ((1, 5, 3), (2, 1, 3))),
])
@pytest.mark.parametrize("bias_form", ["left out", "None"])
def test_function_apply_without_bias(backend, function, kwargs, shapes, bias_form):
    rng = np.random.default_rng(12)
    x, w = rng.standard_normal(shapes[0]), rng.standard_normal(shapes[1])
    tx, tw = _t(x, backend, True), _t(w, backend, True)
    y = function.apply(tx, tw, **kwargs) if bias_form == "left out" else function.apply(tx, tw, None, **kwargs)
    if function is conv_module.Conv1dOp:
        reference = lambda xx, ww: ref_conv1d(xx, ww, None, kwargs.get("strides", 1), kwargs.get("padding", "valid"),
                                              1, kwargs.get("groups", 1))
    else:
        reference = lambda xx, ww: ref_conv1d_transpose(xx, ww, None, kwargs["strides"], kwargs.get("padding", "valid"),
                                                        None, kwargs.get("dilation_rate", 1))
    np.testing.assert_allclose(y.numpy(), reference(x, w), atol=1e-12)
    v = rng.standard_normal(y.shape)
    y.backward(_t(v, backend))
    np.testing.assert_allclose(tx.grad.numpy(), linear_gradient(lambda e: np.sum(reference(e, w) * v), x.shape),
                               atol=1e-12)
    np.testing.assert_allclose(tw.grad.numpy(), linear_gradient(lambda e: np.sum(reference(x, e) * v), w.shape),
                               atol=1e-12)


def _conv_and_grads(fn, arrays, backend, dtype="float64"):
    """``fn``'s output and the gradients of ``sum(y * v)`` (fixed ``v``) for every input, as NumPy arrays."""
    ts = [_t(a, backend, True, dtype) for a in arrays]
    y = fn(*ts)
    v = _t(np.cos(np.arange(int(np.prod(y.shape)))).reshape(y.shape), backend, dtype=dtype)
    (y * v).sum().backward()
    return [y.numpy()] + [t.grad.numpy() for t in ts]


@pytest.mark.parametrize("switch", ["STRIDED_GATHER", "BLOCKED_KERNEL_GRAD", "BLOCKED_FORWARD",
                                    "SHARED_GATHER_BACKWARD"])
def test_gather_paths_match_the_tap_by_tap_gather(backend, monkeypatch, switch):
    """Against the portable tap-by-tap gather (im2col): the NumPy-only strided gather (interior rows in one copy,
    padded edge rows tap by tap), conv1d's kernel gradient and forward by tap groups read straight from x (strides 1,
    and 1 < strides <= k without dilation), and conv1d's two gradients from one gather of dy (strides 1). Through
    conv1d (forward and every gradient, with and without groups) and conv1d_transpose (the shared gather of its
    backward), on paddings that pad, crop and leave no interior row; forward also against the loop reference."""
    if switch == "STRIDED_GATHER" and backend != "numpy":
        pytest.skip("the strided gather is a NumPy-only path")
    rng = np.random.default_rng(12)
    paddings = ("valid", "same", "causal", (2, -1), (-1, 3), (5, 5))
    taken = 0
    for length, k, s, d, padding, groups in itertools.product((1, 3, 8), (1, 2, 4), (1, 2, 3), (1, 2), paddings,
                                                              (1, 2)):
        x, b = rng.standard_normal((3, length, 4)), rng.standard_normal(4)
        w = rng.standard_normal((k, 4 // groups, 4))
        fn = lambda x_, w_, b_, s=s, p=padding, d=d, g=groups: conv1d(x_, w_, b_, strides=s, padding=p,
                                                                      dilation_rate=d, groups=g)
        results = []
        for fast in (True, False):
            monkeypatch.setattr(conv_module, switch, fast)
            results.append(_conv_and_grads(fn, (x, w, b), backend))
        monkeypatch.setattr(conv_module, switch, True)
        xp = get_backend(backend).xp
        taken += {"STRIDED_GATHER": True, "BLOCKED_KERNEL_GRAD": conv_module._takes_blocked_kernel_grad(xp, k, s, d),
                  "BLOCKED_FORWARD": conv_module._takes_blocked_conv1d_forward(xp, k, s, d),
                  "SHARED_GATHER_BACKWARD": conv_module._takes_shared_gather(xp, s, True, True)}[switch]
        for fast, plain in zip(*results):
            np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12)
        np.testing.assert_allclose(results[0][0], ref_conv1d(x, w, b, s, padding, d, groups), atol=1e-12)
    assert taken > 150 or (backend == "cupy" and switch != "STRIDED_GATHER" and taken == 0)   # CPU-tuned paths
    for length, k, s, d, padding, op in _optimised_grid():
        x, w = rng.standard_normal((2, length, 3)), rng.standard_normal((k, 2, 3))
        fn = lambda x_, w_, s=s, p=padding, o=op, d=d: conv1d_transpose(x_, w_, strides=s, padding=p,
                                                                        output_padding=o, dilation_rate=d)
        results = []
        for fast in (True, False):
            monkeypatch.setattr(conv_module, switch, fast)
            results.append(_conv_and_grads(fn, (x, w), backend))
        for fast, plain in zip(*results):
            np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12)


def test_shared_gather_backward_on_channels_first_inputs(backend, monkeypatch):
    """conv1d's gradients from one gather of dy (strides 1) when x and dy reach the kernels as permuted views
    (data_format="channels_first"): the same as the separate paths, and the same output as the channels_last call."""
    rng = np.random.default_rng(15)
    for length, k, d, padding, groups in itertools.product((2, 7), (1, 3), (1, 3), ("valid", "same", (2, -1)), (1, 2)):
        x, b = rng.standard_normal((3, length, 4)), rng.standard_normal(6)
        w = rng.standard_normal((k, 4 // groups, 6))
        results = {}
        for shared, data_format in itertools.product((True, False), ("channels_last", "channels_first")):
            monkeypatch.setattr(conv_module, "SHARED_GATHER_BACKWARD", shared)
            xs = x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 2, 1))
            fn = lambda x_, w_, b_, p=padding, d=d, g=groups, f=data_format: conv1d(
                x_, w_, b_, padding=p, dilation_rate=d, groups=g, data_format=f)
            results[shared, data_format] = _conv_and_grads(fn, (xs, w, b), backend)
        for data_format in ("channels_last", "channels_first"):
            for a, e in zip(results[True, data_format], results[False, data_format]):
                np.testing.assert_allclose(a, e, rtol=1e-12, atol=1e-12,
                                           err_msg=str((data_format, length, k, d, padding, groups)))
        np.testing.assert_allclose(results[True, "channels_first"][0].transpose(0, 2, 1),
                                   ref_conv1d(x, w, b, 1, padding, d, groups), atol=1e-12)


def test_column_sums_of_c_ordered_permuted_and_sliced_chunks(backend):
    """The bias gradient's sum over samples and steps, for a C-ordered chunk, a channels_first gradient seen as
    (B, N, F) (a permuted view) and one group's filters (a sliced view), against NumPy's sum in float64."""
    from tinygradconv.backend import get_backend

    xp = get_backend(backend).xp
    g = np.random.default_rng(14).standard_normal((3, 5, 4))
    chunks = {"C-ordered": (g, lambda a: a),
              "permuted": (np.ascontiguousarray(g.transpose(0, 2, 1)), lambda a: xp.permute_dims(a, (0, 2, 1))),
              "sliced": (g, lambda a: a[:, :, 1:3])}
    for name, (stored, view) in chunks.items():
        chunk = view(tg.Tensor(stored, dtype="float64", backend=backend).data)
        expected = g.sum(axis=(0, 1))[1:3] if name == "sliced" else g.sum(axis=(0, 1))
        got = tg.Tensor(conv_module._column_sums(xp, chunk), backend=backend).numpy()
        np.testing.assert_allclose(got, expected, rtol=1e-13, err_msg=name)


@pytest.mark.parametrize("op_name", ["conv1d", "conv1d_transpose"])
def test_tiled_bias_add_matches_broadcast_add(backend, monkeypatch, op_name):
    """The bias added as one tiled contiguous add (NumPy) and as a broadcast add give the output without bias plus
    the bias, for both layouts (channels_first outputs are permuted views)."""
    rng = np.random.default_rng(13)
    x, b = rng.standard_normal((3, 7, 4)), rng.standard_normal(5)
    w = rng.standard_normal((3, 4, 5)) if op_name == "conv1d" else rng.standard_normal((3, 5, 4))
    fn = conv1d if op_name == "conv1d" else conv1d_transpose
    for data_format in ("channels_last", "channels_first"):
        xs = x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 2, 1))
        without = fn(_t(xs, backend), _t(w, backend), None, strides=2, data_format=data_format).numpy()
        expected = without + (b if data_format == "channels_last" else b[:, None])
        for tiled in (True, False):
            monkeypatch.setattr(conv_module, "TILED_BIAS_ADD", tiled)
            got = fn(_t(xs, backend), _t(w, backend), _t(b, backend), strides=2, data_format=data_format).numpy()
            np.testing.assert_allclose(got, expected, rtol=1e-14, atol=1e-14)


# ---------------------------------------------------------------------------------------------------------------
# Found by a tester (issue 13): a dilation far larger than the input, empty outputs, warnings
# ---------------------------------------------------------------------------------------------------------------
def test_a_dilation_far_larger_than_the_input_needs_no_memory_for_the_full_output(backend):
    """With "same" padding and d = 10**6 on 7 steps only the middle tap meets the input, so by hand
    conv1d: y[n] = x[n] @ W[1], dx = dy @ W[1]^T, dW[1] = sum x^T dy, dW[0] = dW[2] = 0, and conv1d_transpose:
    y[n] = x[n] @ W[1]^T. The full transposed output (2 * 10**6 steps) used to be built for the transposed
    convolution and for conv1d's input gradient when only x needs one (a MemoryError at d = 10**9); now no call
    allocates more than a few hundred kilobytes (tracemalloc, NumPy)."""
    import tracemalloc

    rng = np.random.default_rng(17)
    d = 10**6
    x, g = rng.standard_normal((2, 7, 4)), rng.standard_normal((2, 7, 5))
    w_conv, w_transpose = rng.standard_normal((3, 4, 5)), rng.standard_normal((3, 5, 4))
    tracemalloc.start()
    tx = _t(x, backend, True)
    y = conv1d(tx, _t(w_conv, backend), dilation_rate=d, padding="same")
    y.backward(_t(g, backend))
    tx2, tw2 = _t(x, backend, True), _t(w_transpose, backend, True)
    y2 = conv1d_transpose(tx2, tw2, dilation_rate=d, padding="same")
    y2.backward(_t(g, backend))
    peak = tracemalloc.get_traced_memory()[1]
    tracemalloc.stop()
    np.testing.assert_allclose(y.numpy(), x @ w_conv[1], atol=1e-12)
    np.testing.assert_allclose(tx.grad.numpy(), g @ w_conv[1].T, atol=1e-12)
    np.testing.assert_allclose(y2.numpy(), x @ w_transpose[1].T, atol=1e-12)
    np.testing.assert_allclose(tx2.grad.numpy(), g @ w_transpose[1], atol=1e-12)
    expected_dw = np.zeros_like(w_transpose)
    expected_dw[1] = np.einsum("bno,bni->oi", g, x)
    np.testing.assert_allclose(tw2.grad.numpy(), expected_dw, atol=1e-12)
    if backend == "numpy":
        assert peak < 1 << 20, f"{peak} bytes"


@pytest.mark.parametrize("x_value, w_values, x_grad, w_grad", [
    (np.inf, [np.inf, 1.0], [np.nan], [np.nan, np.nan]),       # 0 * inf in both sums
    (2.0, [np.inf, 1.0], [np.nan], [0.0, 0.0]),               # dx = 0 * inf + 0 * 1; dW = 0 * 2
    (2.0, [3.0, 1.0], [0.0], [0.0, 0.0]),
])
def test_an_empty_transposed_output_keeps_its_cropped_steps_in_the_gradients(backend, x_value, w_values, x_grad,
                                                                              w_grad):
    """conv1d_transpose whose output is empty ("same", L = 1, k = 2): both steps of the full output are cropped. As
    for any crop (docs/special_points.md), the cropped steps are zeros of ``dy`` in the gradients, which torch
    computes as a conv1d of ``dy`` padded by the crop: ``dx = sum_t 0 * W[t]`` and ``dW[t] = 0 * x``, NaN where
    they meet inf, as torch's full output sliced to nothing and Keras' layer give (by hand here; against torch in
    tests/test_conv_torch.py). They were zeros."""
    x = _t(np.array([[[x_value]]]), backend, True)
    w = _t(np.array(w_values).reshape(2, 1, 1), backend, True)
    y = conv1d_transpose(x, w, padding="same", output_padding=0)
    assert y.shape == (1, 0, 1)
    y.backward(_t(np.zeros((1, 0, 1)), backend))
    np.testing.assert_array_equal(x.grad.numpy().ravel(), x_grad)
    np.testing.assert_array_equal(w.grad.numpy().ravel(), w_grad)


@pytest.mark.parametrize("op", ["conv1d", "conv1d_transpose"])
def test_inf_and_nan_inputs_print_no_runtime_warning(backend, op):
    """inf and NaN give NaN outputs and gradients silently, as in torch (docs/special_points.md): the forward
    passes run inside ops.elementwise.ieee754, as the backward passes already did."""
    import warnings

    fn = conv1d if op == "conv1d" else conv1d_transpose
    x = np.ones((1, 4, 2))
    x[0, 1, 0], x[0, 2, 1] = np.inf, np.nan
    w = np.ones((3, 2, 2))
    w[1, 0, 1] = -np.inf
    tx, tw = _t(x, backend, True), _t(w, backend, True)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        y = fn(tx, tw, padding="same")
        y.backward(_t(np.ones(y.shape), backend))
    assert np.isnan(y.numpy()).any() and np.isnan(tw.grad.numpy()).any()


# ---------------------------------------------------------------------------------------------------------------
# Products in row blocks small enough for OpenBLAS's small-matrix kernels (issue 13)
# ---------------------------------------------------------------------------------------------------------------
def _block_decisions(monkeypatch):
    """Record every decision of gemm_blocks.rows_per_block_of_sizes as ``(K, rows per block or 0)``."""
    taken = []
    real = gemm_blocks.rows_per_block_of_sizes

    def record(rows, k, n, dtype, per_sample=False):
        taken.append((k, real(rows, k, n, dtype, per_sample)))
        return taken[-1][1]

    monkeypatch.setattr(gemm_blocks, "rows_per_block_of_sizes", record)
    return taken


def _blocks_against_one_gemm(monkeypatch, fn, args, backend, err_msg=""):
    """fn's output and gradients (_conv_and_grads) with the products in row blocks and as one GEMM per product:
    the same to 1e-12; returns the blocked results."""
    results = []
    for blocks in (True, False):
        monkeypatch.setattr(gemm_blocks, "SMALL_GEMM_BLOCKS", blocks)
        results.append(_conv_and_grads(fn, args, backend))
    for fast, plain in zip(*results):
        np.testing.assert_allclose(fast, plain, rtol=1e-12, atol=1e-12, err_msg=err_msg)
    return results[0]


def test_small_gemm_blocks_in_the_phase_path_of_channels_first_inputs(backend, monkeypatch):
    """conv1d on channels_first inputs with 1 < strides <= k (the phase path of the forward and kernel gradient),
    with the products in row blocks (the output gradient then copied into row-major order) against one GEMM per
    product and, for the forward, the loop reference."""
    rng = np.random.default_rng(24)
    with_small_gemm_kernels(monkeypatch, mnk=4 * 4 * 2, min_rows=2)
    monkeypatch.setattr(conv_phases, "PHASE_PATH", True)          # on any CPU (by default AMD's only)
    phase_calls = count_calls(monkeypatch, conv_module, ("conv1d_forward_phases", "conv1d_kernel_grad_phases"))
    taken = _block_decisions(monkeypatch)
    for length, k, s, padding in itertools.product((9, 14), (2, 3, 5), (2, 3), ("valid", "same")):
        if s > k:
            continue
        x, b, w = rng.standard_normal((3, length, 4)), rng.standard_normal(2), rng.standard_normal((k, 4, 2))
        fn = lambda x_, w_, b_, s=s, p=padding: conv1d(x_, w_, b_, strides=s, padding=p, data_format="channels_first")
        x_first = np.ascontiguousarray(x.transpose(0, 2, 1))   # (B, C, L) in C order: its steps are adjacent
        y = _blocks_against_one_gemm(monkeypatch, fn, (x_first, w, b), backend, str((length, k, s, padding)))[0]
        np.testing.assert_allclose(y.transpose(0, 2, 1), ref_conv1d(x, w, b, s, padding, 1, 1), atol=1e-12)
    if backend == "numpy":
        assert sum(1 for _, m in taken if m) > 20                 # the blocks really ran
        assert min(phase_calls) > 0                               # forward and kernel gradient: the phase path
    else:
        assert not any(m for _, m in taken)


def test_small_gemm_blocks_with_the_amd_limits_give_the_same_convolutions(backend, monkeypatch):
    """Both ops, forward and every gradient, with an AMD core's limits (narrow products with K up to 768) at their
    real sizes: with 48 channels, 64 filters and strides 3, the forward's groups of 3 taps (K = 144) and the kernel
    gradient's per-sample products (K = 133 steps) take blocks there only;
    against one GEMM per product, and conv1d's forward against the loop reference."""
    rng = np.random.default_rng(26)
    with_small_gemm_kernels(monkeypatch)
    monkeypatch.setattr(conv_batching, "CPU_VENDOR", "AuthenticAMD")
    taken = _block_decisions(monkeypatch)
    x, w, b = rng.standard_normal((3, 400, 48)), rng.standard_normal((3, 48, 64)), rng.standard_normal(64)
    wt = rng.standard_normal((3, 64, 48))
    for s, data_format in itertools.product((1, 2, 3), ("channels_last", "channels_first")):
        xs = x if data_format == "channels_last" else np.ascontiguousarray(x.transpose(0, 2, 1))
        cases = ((lambda x_, w_, b_, s=s, f=data_format: conv1d(x_, w_, b_, strides=s, data_format=f), (xs, w, b)),
                 (lambda x_, w_, s=s, f=data_format: conv1d_transpose(x_, w_, strides=s, data_format=f), (xs, wt)))
        for fn, args in cases:
            _blocks_against_one_gemm(monkeypatch, fn, args, backend, str((s, data_format)))
    np.testing.assert_allclose(conv1d(_t(x, backend), _t(w, backend), _t(b, backend), strides=3).numpy(),
                               ref_conv1d(x, w, b, 3, "valid", 1, 1), atol=1e-12)
    if backend == "numpy":
        assert any(m and k > 128 for k, m in taken)               # blocks with K > 128: the AMD limits at work
    else:
        assert not any(m for _, m in taken)


@pytest.mark.parametrize("into_window", [True, False])
def test_blocked_overlap_add_writes_c_ordered_products_into_its_window(backend, monkeypatch, into_window):
    """The blocked overlap-add with its products in row blocks (thresholds lowered for the small shapes): with
    PRODUCTS_INTO_WINDOW the products of a C-ordered chunk are written straight into the rows of F (a window of it,
    whose samples are longer than the input), without it through a temporary; both against the loop reference,
    through conv1d_transpose and conv1d's input gradient (the reference's adjoint)."""
    rng = np.random.default_rng(27)
    with_small_gemm_kernels(monkeypatch, mnk=3 * 4 * 4, min_rows=2)
    monkeypatch.setattr(conv_module, "PRODUCTS_INTO_WINDOW", into_window)
    direct = []
    real_into = gemm_blocks.matmul_into
    monkeypatch.setattr(gemm_blocks, "matmul_into", lambda xp, a, b, out, m=None: direct.append(
        isinstance(a, np.ndarray) and a.ndim == 3 and a.flags.c_contiguous and not out.flags.c_contiguous)
        or real_into(xp, a, b, out, m))
    for length, k, s, d, padding in itertools.product((6, 9), (2, 3, 4), (1, 2), (1, 2), ("valid", "same")):
        if s > 1 and d > 1:
            continue
        x, w = rng.standard_normal((3, length, 4)), rng.standard_normal((k, 4, 4))
        y = conv1d_transpose(_t(x, backend), _t(w, backend), strides=s, padding=padding, dilation_rate=d)
        np.testing.assert_allclose(y.numpy(), ref_conv1d_transpose(x, w, None, s, padding, None, d), atol=1e-12)
        v = rng.standard_normal(ref_conv1d(x, w, None, s, padding, d, 1).shape)
        tx = _t(x, backend, True)
        conv1d(tx, _t(w, backend), strides=s, padding=padding, dilation_rate=d).backward(_t(v, backend))
        expected = linear_gradient(lambda e, w=w, s=s, p=padding, d=d, v=v:
                                    np.sum(ref_conv1d(e, w, None, s, p, d, 1) * v), x.shape)
        np.testing.assert_allclose(tx.grad.numpy(), expected, atol=1e-12)
    assert any(direct) == (into_window and backend == "numpy")      # the products really went into the window


def test_small_gemm_blocks_give_the_same_convolutions(backend, monkeypatch):
    """Both ops, forward and every gradient, with the products in row blocks (thresholds lowered so that the small
    shapes take them, and conv1d's backward then taking the separate paths instead of the shared gather) against
    one GEMM per product, and the forward against the loop reference."""
    rng = np.random.default_rng(22)
    with_small_gemm_kernels(monkeypatch, mnk=3 * 4 * 4, min_rows=2)
    taken = []
    real_rows = gemm_blocks.rows_per_block
    monkeypatch.setattr(gemm_blocks, "rows_per_block", lambda a, b: taken.append(real_rows(a, b)) or taken[-1])
    for length, k, s, d, padding in itertools.product((5, 9), (1, 3, 4), (1, 2), (1, 2), ("valid", "same", (2, -1))):
        x, b = rng.standard_normal((3, length, 4)), rng.standard_normal(4)
        w = rng.standard_normal((k, 4, 4))
        transpose_padding = padding if isinstance(padding, str) else "valid"
        for fn, args, ref in (
                (lambda x_, w_, b_, s=s, p=padding, d=d: conv1d(x_, w_, b_, strides=s, padding=p, dilation_rate=d),
                 (x, w, b), ref_conv1d(x, w, b, s, padding, d, 1)),
                (lambda x_, w_, s=s, p=transpose_padding, d=d: conv1d_transpose(x_, w_, strides=s, padding=p,
                                                                                dilation_rate=d), (x, w), None)):
            y = _blocks_against_one_gemm(monkeypatch, fn, args, backend)[0]
            if ref is not None:
                np.testing.assert_allclose(y, ref, atol=1e-12)
    if backend == "numpy":
        assert sum(1 for m in taken if m) > 100                   # the blocks really ran
    else:
        assert not any(taken)                                      # NumPy only


def test_the_shared_gather_serves_only_while_one_sample_of_it_fits_whatever_the_padding(monkeypatch):
    """Found by a reviewer: with "same" or "causal" padding a kernel as long as the signal kept the shared gather,
    whose im2col is the input's length times k (74.5 GiB at k = L = 10**5). Its rule now bounds that buffer: with
    the bound at 64 KiB, a 300-tap kernel on 300 steps (703 KiB in float64) takes the separate paths, a 3-tap one
    the shared gather; gradients against the loop reference's finite differences."""
    taken = []
    shared = conv_module._conv1d_backward_shared
    monkeypatch.setattr(conv_module, "_conv1d_backward_shared",
                        lambda *args, **kwargs: taken.append(True) or shared(*args, **kwargs))
    monkeypatch.setattr(conv_module.conv_batching, "THREAD_CHUNK_BYTES", 64 << 10)
    rng = np.random.default_rng(5)
    x, w = rng.standard_normal((1, 300, 1)), rng.standard_normal((300, 1, 1))
    for padding in ("same", "causal"):
        tx, tw = tg.tensor(x, requires_grad=True), tg.tensor(w, requires_grad=True)
        conv1d(tx, tw, padding=padding).sum().backward()
        for probe in ((0, 7, 0), (0, 150, 0)):
            bumped = x.copy()
            bumped[probe] += 1e-6
            numeric = (ref_conv1d(bumped, w, None, 1, padding).sum() - ref_conv1d(x, w, None, 1, padding).sum()) / 1e-6
            assert abs(tx.grad.numpy()[probe] - numeric) < 1e-4
    assert not taken
    conv1d(tg.tensor(x[:, :40], requires_grad=True), tg.tensor(w[:3], requires_grad=True)).sum().backward()
    assert taken


def test_a_long_kernel_plan_is_not_cached_and_taps_that_meet_nothing_cost_nothing():
    """Found by a reviewer: _tap_blocks cached plans of any size (a kernel of 2*10**5 taps held 84 MB), and the
    memory check counted every tap where the plan keeps only those that meet a sample (3.2*10**7 taps, "same", on 3
    steps: 5 kept; it was refused)."""
    conv_module._tap_blocks.cache_clear()
    k = conv_module.CACHED_TAPS + 1
    conv1d(np.ones((1, 2 * k, 1), np.float32), np.ones((k, 1, 1), np.float32))
    assert conv_module._tap_blocks.cache_info().currsize == 0
    assert conv_module._planned_taps(3, 3, 32_000_000, 1, 1) == 6
    assert conv_module._planned_taps(3, 10**8 + 2, 10**8, 1, 1) == 10**8     # a transposed convolution: every tap


def test_shared_gather_serves_only_where_it_is_no_larger_than_the_separate_paths(monkeypatch):
    """conv1d's backward with s = 1: a "valid" kernel almost as long as the signal (few output steps) takes the
    separate paths, a shorter one the shared gather; both give the loop reference's input gradient."""
    rng = np.random.default_rng(24)
    shared = count_calls(monkeypatch, conv_module, ["_conv1d_backward_shared"])
    for length, k, expected in ((60, 50, 0), (60, 20, 1)):
        x, w = rng.standard_normal((2, length, 3)), rng.standard_normal((k, 3, 3))
        tx, tw = _t(x, requires_grad=True), _t(w, requires_grad=True)
        y = conv1d(tx, tw)
        dy = rng.standard_normal(y.shape)
        before = shared[0]
        (y * _t(dy)).sum().backward()
        assert shared[0] - before == expected, (length, k)
        np.testing.assert_allclose(tx.grad.numpy(), ref_conv1d_transpose(dy, w, None, 1, "valid"), atol=1e-11)
