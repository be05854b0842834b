"""The conv matrix of conv1d_transpose is exactly the transpose of the conv matrix of the matching conv1d.

"The matching conv1d" (docs/conv1d_transpose_math.md, "The matrix view"): same kernel (no flip), strides and
dilation, applied to a signal of the transposed op's output length, padded by the transposed op's crops
``(c_left, c_right)``, giving back the transposed op's input length. Both Jacobians are computed *through the ops* (a
batch of basis vectors), never from a formula; the expected lengths and the padding come from the independent
reference ``ref_transpose_window`` (tests/reference_conv.py), not from the package's arithmetic.
"""

import numpy as np
from helpers import tensor_on as _t  # the tests' one tensor helper
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st
from reference_conv import ref_transpose_window

from tinygradconv.ops.conv import conv1d, conv1d_transpose

SETTINGS = settings(max_examples=80, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])


@st.composite
def configs(draw, op_beyond_strides=False):
    k, s, d = draw(st.integers(1, 6)), draw(st.integers(1, 5)), draw(st.integers(1, 4))
    padding = draw(st.sampled_from(["valid", "same"]))
    op = draw(st.one_of(st.none(), st.integers(0, 2 * s if op_beyond_strides else s - 1)))
    length = draw(st.integers(1, 9))
    return length, k, s, d, padding, op


def _jacobian(fn, n_in, backend):
    """Jacobian of a one-channel op ``(1, n_in, 1) -> (1, n_out, 1)``: row ``n``, column ``j``."""
    basis = np.eye(n_in).reshape(n_in, n_in, 1)      # a batch of the n_in basis vectors
    out = fn(_t(basis, backend)).numpy()              # (n_in, n_out, 1)
    return out[:, :, 0].T


def _reference_window(length, k, s, d, padding, op):
    """``(n_out, (c_left, c_right))`` of the transposed op, from the independent reference."""
    c_left, c_right, n_out, _ = ref_transpose_window(length, k, s, padding, op, d)
    return n_out, (c_left, c_right)


@SETTINGS
@given(cfg=configs(op_beyond_strides=True))
def test_transpose_jacobian_is_transpose_of_matching_conv(backend, cfg):
    length, k, s, d, padding, op = cfg
    kernel = np.arange(1.0, k + 1).reshape(k, 1, 1)           # distinct taps: any misplaced entry shows
    w = _t(kernel, backend)
    n_out, pad = _reference_window(length, k, s, d, padding, op)

    j_transpose = _jacobian(lambda x: conv1d_transpose(x, w, strides=s, padding=padding, output_padding=op,
                                                       dilation_rate=d), length, backend)
    assert j_transpose.shape == (n_out, length)
    assume(n_out > 0)
    j_conv = _jacobian(lambda y: conv1d(y, w, strides=s, padding=pad, dilation_rate=d), n_out, backend)
    assert j_conv.shape == (length, n_out)
    np.testing.assert_array_equal(j_transpose, j_conv.T)


@SETTINGS
@given(cfg=configs())
def test_matching_conv_is_the_keras_padding_name_except_same_with_even_op(backend, cfg):
    """With ``output_padding < strides`` the matching conv1d is ``conv1d(padding=<same name>)``, except
    ``"same"`` with ``k_eff % 2 + output_padding == 0``: there a "same" conv gives ``L - 1`` values, not ``L``."""
    length, k, s, d, padding, op = cfg
    k_eff = (k - 1) * d + 1
    w = _t(np.arange(1.0, k + 1).reshape(k, 1, 1), backend)
    n_out, _ = _reference_window(length, k, s, d, padding, op)
    assume(n_out > 0)
    j_transpose = _jacobian(lambda x: conv1d_transpose(x, w, strides=s, padding=padding, output_padding=op,
                                                       dilation_rate=d), length, backend)
    j_named = _jacobian(lambda y: conv1d(y, w, strides=s, padding=padding, dilation_rate=d), n_out, backend)
    if padding == "same" and op is not None and k_eff % 2 + op == 0:
        assert j_named.shape == (length - 1, n_out)
    else:
        np.testing.assert_array_equal(j_transpose, j_named.T)


@SETTINGS
@given(cfg=configs(op_beyond_strides=True), channels=st.tuples(st.integers(1, 3), st.integers(1, 3)),
       seed=st.integers(0, 2**32 - 1))
def test_dot_product_identity_with_channels(backend, cfg, channels, seed):
    """<T x, y> = <x, C y> where T = conv1d_transpose with kernel W (k, filters, in) and C = the matching conv1d
    with the *same array* W read as a conv1d kernel (k, in=filters, out=in)."""
    length, k, s, d, padding, op = cfg
    c_in, filters = channels
    rng = np.random.default_rng(seed)
    n_out, pad = _reference_window(length, k, s, d, padding, op)
    x, y = rng.standard_normal((2, length, c_in)), rng.standard_normal((2, n_out, filters))
    w = _t(rng.standard_normal((k, filters, c_in)), backend)
    tx = conv1d_transpose(_t(x, backend), w, strides=s, padding=padding, output_padding=op, dilation_rate=d)
    cy = conv1d(_t(y, backend), w, strides=s, padding=pad, dilation_rate=d)
    assert tx.shape == y.shape and cy.shape == x.shape
    lhs, rhs = float(np.sum(tx.numpy() * y)), float(np.sum(x * cy.numpy()))
    assert abs(lhs - rhs) <= 1e-10 * (1 + abs(lhs))


@SETTINGS
@given(cfg=configs(), seed=st.integers(0, 2**32 - 1))
def test_input_gradient_is_the_matching_conv_of_the_output_gradient(backend, cfg, seed):
    length, k, s, d, padding, op = cfg
    rng = np.random.default_rng(seed)
    x = _t(rng.standard_normal((2, length, 3)), backend, requires_grad=True)
    w = _t(rng.standard_normal((k, 2, 3)), backend)
    y = conv1d_transpose(x, w, strides=s, padding=padding, output_padding=op, dilation_rate=d)
    v = rng.standard_normal(y.shape)
    y.backward(_t(v, backend))
    expected = conv1d(_t(v, backend), w, strides=s, padding=_reference_window(length, k, s, d, padding, op)[1],
                      dilation_rate=d).numpy()
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-12, atol=1e-12)


@SETTINGS
@given(cfg=configs(op_beyond_strides=True))
def test_matching_conv_padding_is_the_reference_crops(cfg):
    from tinygradconv.ops.conv_arithmetic import matching_conv_padding

    length, k, s, d, padding, op = cfg
    assert matching_conv_padding(k, s, padding, op, d) == _reference_window(length, k, s, d, padding, op)[1]
