"""Tests for tinygradconv.ops.conv_arithmetic: hand cases (Keras' examples and tests, docs/keras_compatibility.md),
a sweep against the independent reference window (JAX padding route), and hypothesis properties."""

import doctest
import itertools

import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st
from reference_conv import ref_conv_padding, ref_transpose_window

from tinygradconv.ops import conv_arithmetic as ca
from tinygradconv.ops.conv_arithmetic import (
    conv_output_length,
    conv_padding,
    conv_transpose_crops,
    conv_transpose_output_length,
    effective_kernel_size,
    explicit_conv_output_length,
    full_transpose_length,
    matching_conv_padding,
    torch_conv_transpose_args,
)


def test_doctests():
    result = doctest.testmod(ca)
    assert result.attempted >= 10 and result.failed == 0


# ---------------------------------------------------------------------------------------------------------------
# Hand cases (Keras' examples and test suites, docs/keras_compatibility.md and docs/conv1d_transpose_math.md)
# ---------------------------------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    "length, k, s, padding, op, d, expected",
    [
        (10, 3, 2, "valid", None, 1, 21),   # the Keras docs' example
        (8, 2, 2, "valid", None, 1, 16),    # ConvTransposeBasicTest; also Conv3DTranspose axis 0
        (8, 2, 3, "same", 2, 1, 23),        # ConvTransposeBasicTest
        (4, 2, 5, "valid", 4, 1, 21),       # ops nn_test
        (4, 2, 2, "same", None, 1, 8),      # ops nn_test
        (4, 2, 2, "valid", None, 1, 8),     # ops nn_test
        (14, 7, 16, "valid", None, 1, 224),  # Conv2DTranspose k=7, s=16 per axis
        (8, 2, 1, "valid", None, 1, 9),     # Conv3DTranspose axis 1
        (8, 3, 2, "valid", None, 1, 17),    # Conv3DTranspose axis 2
        (10, 3, 2, "same", None, 1, 20),    # None ...
        (10, 3, 2, "same", 0, 1, 19),       # ... differs from 0
        (10, 2, 1, "same", 0, 1, 9),        # k=2, s=1, op=0: L - 1
        (10, 4, 2, "same", 0, 1, 18),       # k=4, s=2, op=0: 2L - 2
        (1, 2, 1, "same", 0, 1, 0),         # zero-length output
        (1, 4, 3, "same", 0, 1, 0),
        (1, 2, 2, "same", 0, 3, 0),         # k_eff = 4, even
        (5, 3, 2, "valid", None, 2, 13),    # strides and dilation together: (5-1)*2 + 5
        (5, 1, 3, "valid", None, 1, 15),    # k_eff < s: bias-only positions at the end
        (5, 1, 3, "same", None, 1, 15),
        (5, 3, 1, "same", None, 3, 5),      # k_eff = 7, s = 1: L
        (7, 3, 3, "same", 1, 1, 20),        # torch common_nn: ConvTranspose1d(k=3, s=3, p=1, op=1)
    ],
)
def test_transpose_length_hand_cases(length, k, s, padding, op, d, expected):
    assert conv_transpose_output_length(length, k, s, padding, op, d) == expected


@pytest.mark.parametrize(
    "k, s, padding, op, d, expected",
    [
        (3, 2, "valid", None, 1, (0, 0)),
        (1, 3, "valid", None, 1, (0, -2)),    # zero extension by s - k_eff
        (2, 5, "valid", 4, 1, (0, -4)),
        (3, 2, "same", None, 1, (0, 1)),      # odd total: one more on the right
        (4, 2, "same", None, 1, (1, 1)),
        (5, 2, "same", None, 1, (1, 2)),
        (2, 3, "same", 2, 1, (0, 0)),
        (1, 3, "same", 2, 1, (0, -2)),       # k_eff = 1: zero extension
        (3, 2, "same", 0, 1, (1, 1)),
        (3, 2, "same", 1, 1, (0, 1)),
        (3, 1, "same", None, 2, (2, 2)),      # k_eff = 5
        (2, 1, "same", 0, 3, (2, 2)),         # k_eff = 4, op = 0
    ],
)
def test_transpose_crops_hand_cases(k, s, padding, op, d, expected):
    assert conv_transpose_crops(k, s, padding, op, d) == expected


# Keras "same", output_padding=None mapped to torch (docs/conv1d_transpose_math.md, "Mapping to PyTorch"); the table
# was worked out by running Keras and torch side by side: rows k_eff 1..5, columns s 1..4.
# Entry (torch padding, torch output_padding, drop_right).
TORCH_SAME_TABLE = {
    1: [(0, 0, 0), (0, 1, 0), (0, 2, 0), (0, 3, 0)],
    2: [(0, 0, 1), (0, 0, 0), (0, 1, 0), (0, 2, 0)],
    3: [(1, 0, 0), (0, 0, 1), (0, 0, 0), (0, 1, 0)],
    4: [(1, 0, 1), (1, 0, 0), (0, 0, 1), (0, 0, 0)],
    5: [(2, 0, 0), (1, 0, 1), (1, 0, 0), (0, 0, 1)],
}


@pytest.mark.parametrize("k_eff, s", [(k, s) for k in range(1, 6) for s in range(1, 5)])
def test_torch_mapping_table(k_eff, s):
    assert torch_conv_transpose_args(k_eff, s, "same") == TORCH_SAME_TABLE[k_eff][s - 1]


@pytest.mark.parametrize(
    "length, k, s, padding, d, expected_len, expected_pad",
    [
        (10, 3, 1, "valid", 1, 8, (0, 0)),
        (10, 3, 2, "valid", 1, 4, (0, 0)),
        (10, 3, 2, "same", 1, 5, (0, 1)),
        (10, 4, 1, "same", 1, 10, (1, 2)),
        (5, 3, 2, "same", 1, 3, (1, 1)),
        (6, 3, 2, "same", 1, 3, (0, 1)),
        (10, 3, 2, "causal", 2, 5, (4, 0)),
        (10, 3, 1, "valid", 3, 4, (0, 0)),
        (4, 5, 1, "valid", 1, 0, (0, 0)),     # kernel longer than the signal
        (7, 1, 3, "same", 1, 3, (0, 0)),      # k_eff < s: no padding needed
        (0, 3, 1, "same", 1, 0, (1, 1)),
    ],
)
def test_conv_hand_cases(length, k, s, padding, d, expected_len, expected_pad):
    assert conv_output_length(length, k, s, padding, d) == expected_len
    assert conv_padding(length, k, s, padding, d) == expected_pad


def test_effective_kernel_size():
    assert [effective_kernel_size(k, d) for k, d in [(1, 5), (2, 1), (3, 2), (4, 3)]] == [1, 2, 5, 10]


def test_none_length_is_symbolic():
    assert conv_transpose_output_length(None, 3, 2, "same", 1) is None
    assert conv_output_length(None, 3, 2, "same") is None
    assert full_transpose_length(None, 3, 2) is None
    assert conv_padding(None, 3, 2, "same") is None
    assert conv_padding(None, 3, 2, "causal") == (2, 0)     # does not depend on the length
    assert explicit_conv_output_length(None, 3) is None


def test_zero_length_input():
    # Unspecified in Keras (backends disagree); we apply the formula, clamped at 0.
    assert conv_transpose_output_length(0, 3, 2, "valid") == 1
    assert conv_transpose_output_length(0, 3, 2, "same") == 0
    assert conv_transpose_output_length(0, 2, 3, "same", 0) == 0
    assert full_transpose_length(0, 3, 2) == 0
    assert conv_output_length(0, 3, 1, "valid") == 0


# ---------------------------------------------------------------------------------------------------------------
# Sweep against the reference window (JAX padding route)
# ---------------------------------------------------------------------------------------------------------------
def _transpose_grid(lengths=range(1, 8), kernels=range(1, 6), strides=range(1, 5), dilations=range(1, 4)):
    for length, k, s, d, padding in itertools.product(lengths, kernels, strides, dilations, ("valid", "same")):
        for op in [None, *range(s)]:
            yield length, k, s, padding, op, d


def test_transpose_sweep_matches_reference():
    count = 0
    for length, k, s, padding, op, d in _transpose_grid():
        c_left, c_right, n_out, full_len = ref_transpose_window(length, k, s, padding, op, d)
        assert conv_transpose_output_length(length, k, s, padding, op, d) == n_out
        assert conv_transpose_crops(k, s, padding, op, d) == (c_left, c_right)
        assert full_transpose_length(length, k, s, d) == full_len
        count += 1
    assert count == 7 * 5 * 3 * 2 * (2 + 3 + 4 + 5)


def test_conv_sweep_matches_reference():
    for length, k, s, d, padding in itertools.product(range(9), range(1, 6), range(1, 5), range(1, 4),
                                                      ("valid", "same", "causal")):
        left, right = ref_conv_padding(length, k, s, padding, d)
        assert conv_padding(length, k, s, padding, d) == (left, right)
        k_eff = (k - 1) * d + 1
        # brute force: count window starts n*s such that the whole window lies in the padded signal
        n_brute = sum(1 for start in range(0, left + length + right, s) if start + k_eff <= left + length + right)
        assert conv_output_length(length, k, s, padding, d) == n_brute
        assert explicit_conv_output_length(length, k, s, left, right, d) == n_brute
        # the unchecked cores that the ops call
        assert ca.conv_pads(length, k_eff, s, padding) == (left, right)
        assert ca.conv_steps(left + length + right, k_eff, s) == n_brute


# ---------------------------------------------------------------------------------------------------------------
# Properties
# ---------------------------------------------------------------------------------------------------------------
@st.composite
def transpose_configs(draw, max_op_over_strides=False):
    k = draw(st.integers(1, 9))
    s = draw(st.integers(1, 9))
    d = draw(st.integers(1, 5))
    padding = draw(st.sampled_from(["valid", "same"]))
    op_max = 3 * s if max_op_over_strides else s - 1
    op = draw(st.one_of(st.none(), st.integers(0, op_max)))
    return k, s, padding, op, d


@settings(max_examples=300, deadline=None)
@given(transpose_configs(max_op_over_strides=True), st.integers(1, 50))
def test_crops_sum_to_full_minus_output(cfg, length):
    k, s, padding, op, d = cfg
    c_left, c_right = conv_transpose_crops(k, s, padding, op, d)
    n_out = conv_transpose_output_length(length, k, s, padding, op, d)
    full = full_transpose_length(length, k, s, d)
    if n_out > 0:
        assert c_left + c_right == full - n_out
    # the total crop does not depend on L: N grows by exactly s per input sample
    assert conv_transpose_output_length(length + 1, k, s, padding, op, d) == n_out + s
    assert c_left >= 0
    if padding == "valid":
        assert c_left == 0 and c_right <= 0
    if c_left + c_right >= 0:
        assert c_right - c_left in (0, 1)    # odd total: the extra one on the right
    else:
        assert c_left == 0                   # zero extension only on the right


@settings(max_examples=300, deadline=None)
@given(transpose_configs(), st.integers(1, 50))
def test_torch_mapping_consistent(cfg, length):
    k, s, padding, op, d = cfg
    n_out = conv_transpose_output_length(length, k, s, padding, op, d)
    t_pad, t_op, drop = torch_conv_transpose_args(k, s, padding, op, d)
    torch_len = (length - 1) * s - 2 * t_pad + d * (k - 1) + t_op + 1   # torch docs formula
    assert torch_len - drop == n_out
    assert t_pad >= 0 and t_op >= 0 and drop in (0, 1)
    assert t_op < max(s, d)                     # accepted by torch
    if n_out > 0:
        assert t_pad == conv_transpose_crops(k, s, padding, op, d)[0]   # torch crops t_pad on the left


@settings(max_examples=300, deadline=None)
@given(transpose_configs(max_op_over_strides=True), st.integers(1, 50))
def test_matching_conv_gives_back_input_length(cfg, length):
    k, s, padding, op, d = cfg
    n_out = conv_transpose_output_length(length, k, s, padding, op, d)
    left, right = matching_conv_padding(k, s, padding, op, d)
    assume(n_out > 0)  # an empty output has no conv1d to give anything back
    assert explicit_conv_output_length(n_out, k, s, left, right, d) == length


@settings(max_examples=300, deadline=None)
@given(transpose_configs(), st.integers(1, 50))
def test_matching_conv_is_keras_conv_with_same_padding_name(cfg, length):
    k, s, padding, op, d = cfg
    k_eff = (k - 1) * d + 1
    n_out = conv_transpose_output_length(length, k, s, padding, op, d)
    left, right = matching_conv_padding(k, s, padding, op, d)
    if padding == "same" and op is not None and k_eff % 2 + op == 0:
        # The exception of the matrix view (docs/conv1d_transpose_math.md): N = (L - 1) * s, and a "same" conv of
        # it gives L - 1 values.
        assert n_out == (length - 1) * s
        assert conv_output_length(n_out, k, s, "same", d) == length - 1
    else:
        assert conv_padding(n_out, k, s, padding, d) == (left, max(right, 0))
        assert conv_output_length(n_out, k, s, padding, d) == length


@settings(max_examples=200, deadline=None)
@given(st.integers(0, 60), st.integers(1, 9), st.integers(1, 9), st.integers(1, 5),
       st.sampled_from(["valid", "same", "causal"]))
def test_conv_padding_properties(length, k, s, d, padding):
    left, right = conv_padding(length, k, s, padding, d)
    n_out = conv_output_length(length, k, s, padding, d)
    k_eff = (k - 1) * d + 1
    assert explicit_conv_output_length(length, k, s, left, right, d) == n_out
    if padding in ("same", "causal"):
        assert n_out == -(-length // s)
    if padding == "same":
        assert right - left in (0, 1)
        # minimal: one zero less and the last window would not fit
        if left + right > 0:
            assert (n_out - 1) * s + k_eff == length + left + right


# ---------------------------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------------------------
def test_padding_validation():
    with pytest.raises(ValueError, match=r"Expected one of \('valid', 'same'\). Received padding='causal'"):
        conv_transpose_output_length(4, 3, 2, "causal")
    with pytest.raises(ValueError, match=r"Received padding=' same'"):
        conv_output_length(4, 3, 2, " same")
    with pytest.raises(TypeError, match=r"Received padding=None of type NoneType"):
        conv_padding(4, 3, 2, None)


def test_arithmetic_validates_arguments():
    with pytest.raises(ValueError, match=r"Received kernel_size=0"):
        conv_transpose_output_length(4, 0, 2)
    with pytest.raises(ValueError, match=r"Received dilation_rate=0"):
        effective_kernel_size(3, 0)
    with pytest.raises(ValueError, match=r"Received input_length=-1"):
        conv_output_length(-1, 3)
    with pytest.raises(TypeError, match=r"Received input_length=2.0"):
        full_transpose_length(2.0, 3)
