"""Conv1DTranspose and Conv1D layers: Keras 3 argument validation (docs/keras_compatibility.md), weights, outputs
against the naive loop references, shapes, config, losses, constraints, dtypes and trainability."""
import json
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from reference_conv import ref_conv1d, ref_conv1d_transpose, ref_transpose_window

import tinygradconv as tg
from tinygradconv import constraints, initializers, regularizers
from tinygradconv.layers import Conv1D, Conv1DTranspose, Convolution1DTranspose


# ------------------------------------------------------------------------------------------------ construction
def test_alias_is_the_same_class():
    assert Convolution1DTranspose is Conv1DTranspose


def test_attributes_after_construction():
    layer = Conv1DTranspose(2, [3], strides=[2], padding="SAME", output_padding=1)
    assert layer.kernel_size == (3,) and layer.strides == (2,) and layer.dilation_rate == (1,)
    assert layer.output_padding == (1,) and layer.padding == "same" and layer.data_format == "channels_last"
    assert Conv1DTranspose(2, 3).output_padding is None
    assert Conv1DTranspose(2, 3, output_padding=0).output_padding == (0,)
    assert Conv1DTranspose(np.int64(4), (np.int64(3),)).filters == 4
    conv = Conv1D(4, 3, padding="Causal", groups=2)
    assert conv.padding == "causal" and conv.groups == 2 and conv.kernel_size == (3,)


def test_data_format_resolved_at_construction():
    try:
        tg.config.set_image_data_format("channels_first")
        layer = Conv1DTranspose(2, 3)
        conv = Conv1D(2, 3)
    finally:
        tg.config.set_image_data_format("channels_last")
    assert layer.data_format == "channels_first" and conv.data_format == "channels_first"
    assert Conv1DTranspose(2, 3, data_format="Channels_First").data_format == "channels_first"


def test_default_names_follow_keras():
    assert Conv1DTranspose(2, 3).name.startswith("conv1d_transpose")
    assert Conv1D(2, 3).name.startswith("conv1d")
    assert Conv1DTranspose(2, 3, name="up").name == "up"


TUPLE_MSG = r"The `{0}` argument must be a tuple of 1 integers\. Received {0}="


@pytest.mark.parametrize("name", ["kernel_size", "strides", "dilation_rate"])
@pytest.mark.parametrize("value", [(3, 3), 3.0, None, (), np.int64(3)])
def test_bad_tuple_arguments(name, value):
    kwargs = {"filters": 2, "kernel_size": 3, name: value}
    for cls in (Conv1DTranspose, Conv1D):
        with pytest.raises(ValueError, match=TUPLE_MSG.format(name)):
            cls(**kwargs)


@pytest.mark.parametrize("name", ["kernel_size", "strides", "dilation_rate"])
@pytest.mark.parametrize("value", [0, -1, [0]])
def test_non_positive_tuple_arguments(name, value):
    number = value[0] if isinstance(value, list) else value
    pattern = TUPLE_MSG.format(name) + r".*including values \{" + str(number) + r"\} that do not satisfy `value > 0`"
    with pytest.raises(ValueError, match=pattern):
        Conv1DTranspose(**{"filters": 2, "kernel_size": 3, name: value})
    with pytest.raises(ValueError, match=pattern):
        Conv1D(**{"filters": 2, "kernel_size": 3, name: value})


def test_non_integer_elements_fail_at_construction():
    with pytest.raises(ValueError, match=TUPLE_MSG.format("kernel_size") + r".*including element 3\.0"):
        Conv1DTranspose(2, [3.0])
    with pytest.raises(TypeError, match="kernel_size"):
        Conv1DTranspose(2, ["3"])
    with pytest.raises(TypeError, match="kernel_size"):
        Conv1DTranspose(2, "3")


def test_output_padding_validation():
    with pytest.raises(ValueError, match=r"Received output_padding=-1, including values \{-1\} that do not satisfy "
                                         r"`value >= 0`"):
        Conv1DTranspose(2, 3, strides=2, output_padding=-1)
    with pytest.raises(ValueError, match=TUPLE_MSG.format("output_padding") + r"\(1, 1\)"):
        Conv1DTranspose(2, 3, strides=2, output_padding=(1, 1))
    with pytest.raises(ValueError, match=TUPLE_MSG.format("output_padding")):
        Conv1DTranspose(2, 3, strides=2, output_padding=1.0)
    assert Conv1DTranspose(2, 3, strides=2, output_padding=[1]).output_padding == (1,)


OP_MSG = (r"`output_padding` must be strictly less than `strides` for all dimensions\. At dimension 0, "
          r"`output_padding` is {0} but `strides` is {1}\. Received: output_padding=\({0},\), strides=\({1},\)")


@pytest.mark.parametrize("strides, output_padding", [(2, 2), (1, 1), (2, 3), (3, 5)])
def test_output_padding_must_be_less_than_strides(strides, output_padding):
    with pytest.raises(ValueError, match=OP_MSG.format(output_padding, strides)):
        Conv1DTranspose(2, 3, strides=strides, output_padding=output_padding)


@pytest.mark.parametrize("padding", ["causal", "full", "", " same", "FULL"])
def test_bad_padding_transpose(padding):
    expected = padding.lower()
    with pytest.raises(ValueError, match=r"The `padding` argument must be .*\{.*'valid'.*'same'.*\}\. Received: "
                                         + expected + "$"):
        Conv1DTranspose(2, 3, padding=padding)


def test_bad_padding_conv1d():
    with pytest.raises(ValueError, match=r"The `padding` argument must be .*'causal'.*Received: full"):
        Conv1D(2, 3, padding="full")


@pytest.mark.parametrize("padding, exc", [(None, TypeError), (1, TypeError), ([(1, 1)], TypeError),
                                          ((1, 1), TypeError)])
def test_non_string_padding_fails_at_construction(padding, exc):
    for cls in (Conv1DTranspose, Conv1D):
        with pytest.raises(exc, match="padding"):
            cls(2, 3, padding=padding)


@pytest.mark.parametrize("data_format, shown", [("NCW", "ncw"), ("nwc", "nwc"), ("", "")])
def test_bad_data_format(data_format, shown):
    message = (r"The `data_format` argument must be one of \{'channels_first', 'channels_last'\}\. "
               r"Received: data_format=" + shown + "$")
    for cls in (Conv1DTranspose, Conv1D):
        with pytest.raises(ValueError, match=message):
            cls(2, 3, data_format=data_format)


@pytest.mark.parametrize("filters", [0, -3])
def test_non_positive_filters(filters):
    message = (r"Invalid value for argument `filters`\. Expected a strictly positive value\. "
               rf"Received filters={filters}\.")
    for cls in (Conv1DTranspose, Conv1D):
        with pytest.raises(ValueError, match=message):
            cls(filters, 3)


@pytest.mark.parametrize("filters, exc", [(2.5, ValueError), (None, ValueError), (4.0, ValueError),
                                          ("3", TypeError)])
def test_filters_that_keras_rejects_late_fail_at_construction(filters, exc):
    for cls in (Conv1DTranspose, Conv1D):
        with pytest.raises(exc, match=r"`filters`.*Received filters="):
            cls(filters, 3)


def test_strides_with_dilation():
    message = (r"`strides > 1` not supported in conjunction with `dilation_rate > 1`\. Received: strides=\(2,\) and "
               r"dilation_rate=\(2,\)")
    with pytest.raises(ValueError, match=message):
        Conv1DTranspose(2, 3, strides=2, dilation_rate=2)
    with pytest.raises(ValueError, match=message):
        Conv1D(2, 3, strides=2, dilation_rate=2)
    Conv1DTranspose(2, 3, strides=1, dilation_rate=3)  # allowed
    Conv1D(2, 3, strides=1, dilation_rate=3)


def test_unknown_keyword_arguments():
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to Conv1DTranspose: \{'groups': 1\}"):
        Conv1DTranspose(2, 3, groups=1)
    with pytest.raises(ValueError, match=r"Unrecognized keyword arguments passed to Conv1D: \{'foo': 1\}"):
        Conv1D(2, 3, foo=1)


@pytest.mark.parametrize("kwargs, match", [
    ({"filters": 0, "kernel_size": 3, "padding": "full"}, "padding"),                        # padding before filters
    ({"filters": 0, "kernel_size": 3, "strides": 2, "output_padding": 2}, "filters"),        # filters before op<s
    ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2, "dilation_rate": 2}, "output_padding"),
    ({"filters": 2, "kernel_size": 0, "strides": 0}, "kernel_size"),
    ({"filters": 2, "kernel_size": 3, "strides": 0, "dilation_rate": 0}, "strides"),
    ({"filters": 2, "kernel_size": 3, "dilation_rate": 0, "padding": "full"}, "dilation_rate"),
    ({"filters": 2, "kernel_size": 3, "padding": "full", "output_padding": -1}, "padding"),
    ({"filters": 2, "kernel_size": 3, "output_padding": -1, "data_format": "ncw"}, "output_padding"),
    ({"filters": 0, "kernel_size": 3, "data_format": "ncw"}, "data_format"),
    ({"filters": 0, "kernel_size": 3, "activation": "nope"}, "activation"),  # the objects come before filters
    ({"filters": 2, "kernel_size": 0, "activity_regularizer": "l3"}, "regularizer"),  # Keras' Layer.__init__ first
])
def test_evaluation_order_is_keras(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Conv1DTranspose(**kwargs)


@pytest.mark.parametrize("kwargs, pattern", [  # Keras conv_transpose_test.py::test_bad_init_args, 1-D analogues
    ({"filters": 0, "kernel_size": 1}, (r"Invalid value for argument `filters`. Expected a strictly positive value. "
                                       r"Received filters=0.")),
    ({"filters": 16, "kernel_size": 0}, (r"The `kernel_size` argument must be a tuple of 1 integers. Received "
                                        r"kernel_size=0, including values \{0\} that do not satisfy `value > 0`")),
    ({"filters": 16, "kernel_size": 2, "strides": 0}, (r"The `strides` argument must be a tuple of 1 integers. "
                                                      r"Received strides=0, including values \{0\} that do not "
                                                      r"satisfy `value > 0`")),
    ({"filters": 2, "kernel_size": 3, "strides": 2, "output_padding": 2}, OP_MSG.format(2, 2)),
    ({"filters": 2, "kernel_size": 2, "strides": 2, "output_padding": 2}, OP_MSG.format(2, 2)),
    ({"filters": 16, "kernel_size": 3, "strides": [1], "output_padding": 1}, OP_MSG.format(1, 1)),
    ({"filters": 8, "kernel_size": 3, "strides": 1, "output_padding": 1}, OP_MSG.format(1, 1)),
    ({"filters": 2, "kernel_size": 2, "strides": 2, "dilation_rate": 2}, r"strides=\(2,\) and dilation_rate=\(2,\)"),
])
def test_keras_bad_init_args(kwargs, pattern):
    with pytest.raises(ValueError, match=pattern):
        Conv1DTranspose(**kwargs)


def test_conv1d_groups_validation():
    with pytest.raises(ValueError, match=r"The number of groups must be a positive integer\. Received: groups=0\."):
        Conv1D(4, 3, groups=0)
    with pytest.raises(ValueError, match=r"The number of filters must be evenly divisible by the number of groups\. "
                                         r"Received: groups=3, filters=4\."):
        Conv1D(4, 3, groups=3)
    with pytest.raises(TypeError, match="groups"):
        Conv1D(4, 3, groups="2")
    with pytest.raises(ValueError, match="groups"):
        Conv1D(4, 3, groups=2.0)
    layer = Conv1D(4, 3, groups=2)
    with pytest.raises(ValueError, match=r"The number of input channels must be evenly divisible by the number of "
                                         r"groups\. Received groups=2, but the input has 5 channels"):
        layer(np.ones((1, 6, 5)))


# ------------------------------------------------------------------------------------------------ shapes
@pytest.mark.parametrize("filters, kernel_size, strides, padding, output_padding, dilation, expected", [
    (5, 2, 2, "valid", None, 1, (2, 16, 5)),       # Keras ConvTransposeBasicTest
    (6, 2, 3, "same", 2, (1,), (2, 23, 6)),
    (6, (2,), (2,), "valid", None, 1, (2, 16, 6)),
])
def test_keras_basic_table(filters, kernel_size, strides, padding, output_padding, dilation, expected):
    layer = Conv1DTranspose(filters, kernel_size, strides=strides, padding=padding, output_padding=output_padding,
                            dilation_rate=dilation)
    y = layer(np.random.default_rng(0).standard_normal((2, 8, 4)))
    assert y.shape == expected
    assert layer.compute_output_shape((2, 8, 4)) == expected
    assert len(layer.trainable_weights) == 2 and len(layer.non_trainable_weights) == 0


def test_documented_example():
    layer = Conv1DTranspose(32, 3, 2, activation="relu")
    y = layer(np.random.rand(4, 10, 128))
    assert y.shape == (4, 21, 32)
    assert layer.kernel.shape == (3, 32, 128) and layer.bias.shape == (32,)
    assert str(y.dtype) == "float32" and float(y.numpy().min()) >= 0.0
    assert layer.kernel.path == f"{layer.name}/kernel" and layer.bias.path == f"{layer.name}/bias"


def test_conv1d_weights_and_shapes():
    layer = Conv1D(6, 3, strides=2, groups=3)
    y = layer(np.ones((2, 11, 9)))
    assert layer.kernel.shape == (3, 3, 6) and layer.bias.shape == (6,)
    assert y.shape == (2, 5, 6)
    assert Conv1D(4, 3, padding="same", strides=2)(np.ones((1, 9, 2))).shape == (1, 5, 4)
    assert Conv1D(4, 3, padding="causal", dilation_rate=2)(np.ones((1, 9, 2))).shape == (1, 9, 4)


def test_different_lengths_and_batches_after_build():
    layer = Conv1DTranspose(2, 3, strides=2)
    assert layer(np.ones((1, 5, 3))).shape == (1, 11, 2)
    assert layer(np.ones((1, 9, 3))).shape == (1, 19, 2)
    assert layer(np.ones((7, 5, 3))).shape == (7, 11, 2)


def test_zero_batch_and_zero_output_length():
    assert Conv1DTranspose(2, 3, strides=2)(np.ones((0, 5, 3))).shape == (0, 11, 2)
    layer = Conv1DTranspose(2, 2, padding="same", output_padding=0)   # L=1, even k_eff, op=0: N = 0
    assert layer(np.ones((3, 1, 4))).shape == (3, 0, 2)


@pytest.mark.parametrize("shape, pattern", [
    ((4, 10), r"expected min_ndim=3, found ndim=2\. Full shape received: \(4, 10\)"),  # Keras 3.15's words
    ((4,), r"expected min_ndim=3, found ndim=1"),
    ((2, 4, 10, 1), r"expected ndim=3, found ndim=4"),
])
def test_wrong_rank(shape, pattern):
    for cls in (Conv1DTranspose, Conv1D):
        layer = cls(2, 3)
        with pytest.raises(ValueError, match=r"Input 0 of layer '.*' is incompatible with the layer: " + pattern):
            layer(np.ones(shape))
        layer(np.ones((1, 5, 3)))  # built
        with pytest.raises(ValueError, match=pattern):
            layer(np.ones(shape))


@pytest.mark.parametrize("cls", [Conv1DTranspose, Conv1D])
def test_channel_mismatch_after_build(cls):
    layer = cls(2, 3)
    layer(np.ones((1, 5, 3)))
    with pytest.raises(ValueError, match=r"expected axis -1 of input shape to have value 3, but received input with "
                                         r"shape \(1, 5, 4\)"):
        layer(np.ones((1, 5, 4)))
    layer = cls(2, 3, data_format="channels_first")
    layer(np.ones((1, 3, 5)))
    with pytest.raises(ValueError, match=r"expected axis 1 of input shape to have value 3, but received input with "
                                         r"shape \(1, 4, 5\)"):
        layer(np.ones((1, 4, 5)))


@pytest.mark.parametrize("kwargs, shape, message", [
    # floor((2 - 5) / 1) + 1 = -2
    ({}, (1, 2, 3), "`inputs shape=(1, 2, 3)`, `kernel shape=(5, 3, 2)`, `dilation_rate=[1]`, `strides=(1,)`"),
    # floor((4 - 5) / 1) + 1 = 0: zero is refused too, as Keras
    ({}, (1, 4, 3), "`inputs shape=(1, 4, 3)`, `kernel shape=(5, 3, 2)`, `dilation_rate=[1]`, `strides=(1,)`"),
    # floor((3 - 5) / 2) + 1 = 0
    ({"strides": 2}, (1, 3, 3), ("`inputs shape=(1, 3, 3)`, `kernel shape=(5, 3, 2)`, `dilation_rate=[1]`, "
                                "`strides=(2,)`")),
    # k_eff = 9: floor((8 - 9) / 1) + 1 = 0
    ({"dilation_rate": 2}, (1, 8, 3), ("`inputs shape=(1, 8, 3)`, `kernel shape=(5, 3, 2)`, `dilation_rate=[2]`, "
                                      "`strides=(1,)`")),
    ({"data_format": "channels_first"}, (1, 3, 4), "`inputs shape=(1, 3, 4)`, `kernel shape=(5, 3, 2)`"),
    ({}, (None, 2, 3), "`inputs shape=(None, 2, 3)`, `kernel shape=(5, 3, 2)`"),  # compute_output_shape
])
def test_conv1d_zero_or_negative_output_length_like_keras(kwargs, shape, message):
    layer = Conv1D(2, 5, **kwargs)
    with pytest.raises(ValueError, match=re.escape("Computed output size would be zero or negative. Received "
                                                   + message)):
        layer.compute_output_shape(shape) if shape[0] is None else layer(np.ones(shape))
    assert Conv1D(2, 5)(np.ones((1, 5, 3))).shape == (1, 1, 2)  # floor((5 - 5) / 1) + 1 = 1 is fine


@pytest.mark.parametrize("kwargs, shape", [({}, (1, 2, 3)), ({}, (1, 4, 3)), ({"strides": 2}, (1, 3, 3)),
                                           ({"dilation_rate": 2}, (1, 8, 3))])
@pytest.mark.filterwarnings("ignore")
def test_conv1d_too_short_input_message_is_keras_word_for_word(kwargs, shape):
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", minversion="3", reason="Keras 3 is the reference for the message")
    with pytest.raises(ValueError) as theirs:
        keras.layers.Conv1D(2, 5, **kwargs)(np.ones(shape, "float32"))
    with pytest.raises(ValueError) as ours:
        Conv1D(2, 5, **kwargs)(np.ones(shape, "float32"))
    assert str(ours.value) == str(theirs.value)


@pytest.mark.parametrize("cls, padding", [(Conv1D, "full"), (Conv1D, " same"), (Conv1DTranspose, "full"),
                                          (Conv1DTranspose, "causal"), (Conv1DTranspose, " same")])
@pytest.mark.filterwarnings("ignore")
def test_padding_and_low_rank_messages_are_keras_word_for_word(cls, padding):
    import os
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", minversion="3", reason="Keras 3 is the reference for the messages")
    with pytest.raises(ValueError) as theirs:
        getattr(keras.layers, cls.__name__)(2, 3, padding=padding)
    with pytest.raises(ValueError) as ours:
        cls(2, 3, padding=padding)
    # Keras prints the set of names in hash order: compare the names as a set
    def parts(message):
        head, names, tail = re.match(r"(.*)\{(.*)\}(.*)", message).groups()
        return head, sorted(names.split(", ")), tail
    assert parts(str(ours.value)) == parts(str(theirs.value))
    with pytest.raises(ValueError) as theirs:
        getattr(keras.layers, cls.__name__)(2, 3, name="probe")(np.ones((4, 5), "float32"))
    with pytest.raises(ValueError) as ours:
        cls(2, 3, name="probe")(np.ones((4, 5), "float32"))
    # Keras names the input tensor too ("Input 0 with name 'None' of layer ..."); the rest is the same
    assert str(ours.value) == str(theirs.value).replace(" with name 'None'", "")


def test_compute_output_shape_unknown_lengths():
    assert Conv1DTranspose(2, 3, strides=2).compute_output_shape((None, None, 3)) == (None, None, 2)
    assert Conv1DTranspose(2, 3, data_format="channels_first").compute_output_shape((5, 3, None)) == (5, 2, None)
    assert Conv1D(2, 3, padding="same").compute_output_shape((None, None, 3)) == (None, None, 2)


@settings(max_examples=40, deadline=None)
@given(filters=st.integers(1, 4), k=st.integers(1, 5), s=st.integers(1, 4), d=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same"]), op=st.one_of(st.none(), st.integers(0, 3)),
       length=st.integers(1, 9), channels_first=st.booleans())
def test_transpose_compute_output_shape_matches_reference(filters, k, s, d, padding, op, length, channels_first):
    if s > 1:
        d = 1
    if op is not None:
        op = min(op, s - 1)
    fmt = "channels_first" if channels_first else "channels_last"
    layer = Conv1DTranspose(filters, k, s, padding, output_padding=op, dilation_rate=d, data_format=fmt)
    shape = (2, 3, length) if channels_first else (2, length, 3)
    n_out = ref_transpose_window(length, k, s, padding, op, d)[2]          # the independent reference's length
    expected = (2, filters, n_out) if channels_first else (2, n_out, filters)
    assert layer.compute_output_shape(shape) == expected
    assert layer(np.ones(shape)).shape == expected
    unknown = (None, 3, None) if channels_first else (None, None, 3)
    assert None in layer.compute_output_shape(unknown)


@settings(max_examples=40, deadline=None)
@given(groups=st.integers(1, 2), k=st.integers(1, 4), s=st.integers(1, 3), d=st.integers(1, 3),
       padding=st.sampled_from(["valid", "same", "causal"]), length=st.integers(1, 12), channels_first=st.booleans())
def test_conv1d_compute_output_shape_matches_reference(groups, k, s, d, padding, length, channels_first):
    if s > 1:
        d = 1
    fmt = "channels_first" if channels_first else "channels_last"
    layer = Conv1D(2 * groups, k, s, padding, dilation_rate=d, groups=groups, data_format=fmt)
    shape = (2, 2 * groups, length) if channels_first else (2, length, 2 * groups)
    if padding == "valid" and (length - ((k - 1) * d + 1)) // s + 1 <= 0:  # Keras refuses a zero/negative size
        with pytest.raises(ValueError, match="zero or negative"):
            layer(np.ones(shape))
    else:
        # the length of the naive loop reference's output, not the package's arithmetic
        n_out = ref_conv1d(np.zeros((1, length, 1)), np.zeros((k, 1, 1)), None, s, padding, d).shape[1]
        expected = (2, 2 * groups, n_out) if channels_first else (2, n_out, 2 * groups)
        assert layer.compute_output_shape(shape) == expected
        assert layer(np.ones(shape)).shape == expected


# ------------------------------------------------------------------------------------------------ values
TRANSPOSE_CASES = [
    {"filters": 3, "kernel_size": 3, "strides": 2},
    {"filters": 2, "kernel_size": 4, "strides": 2, "padding": "same"},
    {"filters": 2, "kernel_size": 3, "strides": 3, "padding": "same", "output_padding": 2},
    {"filters": 3, "kernel_size": 3, "dilation_rate": 2, "padding": "same"},
    {"filters": 2, "kernel_size": 2, "strides": 3, "padding": "valid", "output_padding": 1, "use_bias": False},
    {"filters": 2, "kernel_size": 3, "strides": 2, "activation": "tanh", "data_format": "channels_first"},
]


@pytest.mark.parametrize("kwargs", TRANSPOSE_CASES)
def test_transpose_outputs_equal_the_loop_reference(kwargs, on_backend, rng):
    layer = Conv1DTranspose(**kwargs, dtype="float64")
    fmt = kwargs.get("data_format", "channels_last")
    x = rng.standard_normal((2, 3, 7) if fmt == "channels_first" else (2, 7, 3))
    layer.build(x.shape)
    kernel = rng.standard_normal(layer.kernel.shape)
    bias = rng.standard_normal((kwargs["filters"],)) if kwargs.get("use_bias", True) else None
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    got = layer(x)
    assert got.backend.name == on_backend
    expected = ref_conv1d_transpose(x, kernel, bias, strides=kwargs.get("strides", 1),
                                    padding=kwargs.get("padding", "valid"),
                                    output_padding=kwargs.get("output_padding"),
                                    dilation_rate=kwargs.get("dilation_rate", 1), data_format=fmt)
    if kwargs.get("activation") == "tanh":
        expected = np.tanh(expected)
    np.testing.assert_allclose(got.numpy(), expected, rtol=1e-12, atol=1e-12)


CONV_CASES = [
    {"filters": 3, "kernel_size": 3, "strides": 2},
    {"filters": 4, "kernel_size": 3, "padding": "same", "groups": 2},
    {"filters": 2, "kernel_size": 2, "padding": "causal", "dilation_rate": 3},
    {"filters": 2, "kernel_size": 3, "activation": "relu", "data_format": "channels_first", "use_bias": False},
]


@pytest.mark.parametrize("kwargs", CONV_CASES)
def test_conv1d_outputs_equal_the_loop_reference(kwargs, on_backend, rng):
    layer = Conv1D(**kwargs, dtype="float64")
    fmt = kwargs.get("data_format", "channels_last")
    x = rng.standard_normal((2, 4, 9) if fmt == "channels_first" else (2, 9, 4))
    layer.build(x.shape)
    kernel = rng.standard_normal(layer.kernel.shape)
    bias = rng.standard_normal((kwargs["filters"],)) if kwargs.get("use_bias", True) else None
    layer.set_weights([kernel] if bias is None else [kernel, bias])
    expected = ref_conv1d(x, kernel, bias, strides=kwargs.get("strides", 1), padding=kwargs.get("padding", "valid"),
                          dilation_rate=kwargs.get("dilation_rate", 1), groups=kwargs.get("groups", 1),
                          data_format=fmt)
    if kwargs.get("activation") == "relu":
        expected = np.maximum(expected, 0.0)
    np.testing.assert_allclose(layer(x).numpy(), expected, rtol=1e-12, atol=1e-12)


def test_seeded_weights_are_identical_on_every_backend():
    values = []
    for name in ("numpy", "array_api_strict"):
        tg.set_backend(name)
        try:
            layer = Conv1DTranspose(3, 3, kernel_initializer=initializers.GlorotUniform(seed=4),
                                    bias_initializer=initializers.RandomNormal(seed=5))
            layer.build((1, 5, 2))
            assert layer.kernel.backend.name == name
            values.append(layer.get_weights())
        finally:
            tg.set_backend("numpy")
    for a, b in zip(*values):
        np.testing.assert_array_equal(a, b)


def test_get_set_weights_round_trip(rng):
    layer = Conv1DTranspose(4, 3, strides=2)
    layer.build((None, 6, 5))
    kernel, bias = rng.standard_normal((3, 4, 5)), rng.standard_normal(4)
    layer.set_weights([kernel, bias])
    got = layer.get_weights()
    np.testing.assert_allclose(got[0], kernel.astype("float32"))
    np.testing.assert_allclose(got[1], bias.astype("float32"))
    other = Conv1DTranspose(4, 3, strides=2)
    other.build((None, 6, 5))
    other.set_weights(layer.get_weights())
    x = rng.standard_normal((2, 6, 5))
    np.testing.assert_array_equal(other(x).numpy(), layer(x).numpy())
    with pytest.raises(ValueError, match="shape"):
        other.set_weights([kernel.T, bias])


def test_use_bias_false():
    layer = Conv1DTranspose(2, 3, use_bias=False)
    layer(np.ones((1, 4, 3)))
    assert layer.bias is None and len(layer.weights) == 1 and len(layer.trainable_weights) == 1


def test_gradients_flow_through_the_layer(rng):
    layer = Conv1DTranspose(2, 3, strides=2, padding="same", dtype="float64")
    x = tg.tensor(rng.standard_normal((2, 4, 3)), dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda t: layer(t), x)
    for w in layer.weights:
        w.zero_grad()  # gradcheck's backward accumulated into them
    y = layer(x)
    upstream = rng.standard_normal(y.shape)
    y.backward(upstream)
    assert layer.kernel.grad.shape == layer.kernel.shape
    np.testing.assert_allclose(layer.bias.grad.numpy(), upstream.sum(axis=(0, 1)), rtol=1e-12)  # d/db = sum of dy


# ------------------------------------------------------------------------------------------------ config
TRANSPOSE_KEYS = {"name", "trainable", "dtype", "filters", "kernel_size", "strides", "padding", "output_padding",
                  "data_format", "dilation_rate", "activation", "use_bias", "kernel_initializer", "bias_initializer",
                  "kernel_regularizer", "bias_regularizer", "activity_regularizer", "kernel_constraint",
                  "bias_constraint"}


def test_transpose_config_has_exactly_the_keras_keys():
    config = Conv1DTranspose(2, [3], strides=[2], padding="SAME", output_padding=1).get_config()
    assert set(config) == TRANSPOSE_KEYS
    assert config["kernel_size"] == (3,) and config["strides"] == (2,) and config["padding"] == "same"
    assert config["output_padding"] == (1,) and config["dilation_rate"] == (1,)
    assert config["activation"] == "linear" and config["use_bias"] is True
    assert config["kernel_initializer"] == {"module": "keras.initializers", "class_name": "GlorotUniform",    # Keras'
                                            "config": {"seed": None, "input_axes": None, "output_axes": None},
                                            "registered_name": None}
    assert config["bias_initializer"] == {"module": "keras.initializers", "class_name": "Zeros", "config": {},
                                          "registered_name": None}
    assert config["kernel_regularizer"] is None and config["bias_constraint"] is None


def test_conv1d_config_has_exactly_the_keras_keys():
    config = Conv1D(4, 3, groups=2).get_config()
    assert set(config) == TRANSPOSE_KEYS - {"output_padding"} | {"groups"}
    assert config["groups"] == 2


@pytest.mark.parametrize("cls, kwargs", [
    (Conv1DTranspose, {"filters": 3, "kernel_size": 4, "strides": 2, "padding": "same", "output_padding": 1,
                       "activation": "relu", "use_bias": False, "kernel_initializer": initializers.HeNormal(seed=3),
                       "bias_initializer": "ones", "kernel_regularizer": regularizers.L2(0.1),
                       "bias_regularizer": "l1", "activity_regularizer": regularizers.L1L2(0.1, 0.2),
                       "kernel_constraint": constraints.MaxNorm(3.0, [0, 1]), "bias_constraint": "non_neg",
                       "data_format": "channels_first", "name": "up", "dtype": "float64", "trainable": False}),
    (Conv1D, {"filters": 4, "kernel_size": 2, "padding": "causal", "dilation_rate": 2, "groups": 2,
              "activation": "gelu", "kernel_regularizer": "l2", "name": "down"}),
])
def test_config_round_trip(cls, kwargs):
    layer = cls(**kwargs)
    config = layer.get_config()
    restored = cls.from_config(json.loads(json.dumps(config)))
    restored_config = restored.get_config()
    assert json.loads(json.dumps(restored_config)) == json.loads(json.dumps(config))
    assert restored.name == layer.name and restored.dtype == layer.dtype and restored.trainable == layer.trainable


def test_output_padding_serialization():
    layer = Conv1DTranspose(2, 3, strides=2, output_padding=1)
    config = layer.get_config()
    assert config["output_padding"] == (1,)
    restored = Conv1DTranspose.from_config(config)
    assert restored.output_padding == (1,)
    assert restored.compute_output_shape((1, 8, 3)) == layer.compute_output_shape((1, 8, 3)) == (1, 18, 2)


# ------------------------------------------------------------------------------------------------ losses, constraints
def test_regularization_losses_by_hand(rng):
    layer = Conv1DTranspose(2, 3, strides=2, kernel_regularizer=regularizers.L2(0.1),
                            bias_regularizer=regularizers.L1(0.2), activity_regularizer=regularizers.L2(0.3),
                            dtype="float64")
    x = rng.standard_normal((4, 5, 3))
    layer.build(x.shape)
    kernel, bias = rng.standard_normal((3, 2, 3)), np.array([1.5, -0.5])
    layer.set_weights([kernel, bias])
    y = layer(x).numpy()
    losses = [float(loss.item()) for loss in layer.losses]
    # Keras' order: the call's activity penalty first, then the weights' penalties; L1's factor is kept rounded to
    # floatx() (float32), as Keras 3 keeps it in a tensor, L2's as the Python float
    l1_factor = float(np.float32(0.2))
    assert losses == pytest.approx([0.3 * np.sum(y**2) / 4, 0.1 * np.sum(kernel**2), l1_factor * 2.0], rel=1e-12)


def test_regularization_losses_are_differentiable():
    layer = Conv1D(2, 3, kernel_regularizer="l2", kernel_initializer="ones", dtype="float64")
    layer(np.ones((1, 5, 2)))
    (loss,) = layer.losses
    loss.backward()
    np.testing.assert_allclose(layer.kernel.grad.numpy(), 2 * 0.01 * np.ones((3, 2, 2)))  # d/dw 0.01 w^2


def test_constraint_objects_are_stored_on_the_weights():
    max_norm = constraints.MaxNorm(1.5)
    layer = Conv1DTranspose(2, 3, kernel_constraint=max_norm, bias_constraint="non_neg")
    layer(np.ones((1, 4, 3)))
    assert layer.kernel.constraint is max_norm
    assert isinstance(layer.bias.constraint, constraints.NonNeg)
    assert Conv1D(2, 3)(np.ones((1, 4, 3))) is not None
    plain = Conv1D(2, 3)
    plain.build((1, 4, 3))
    assert plain.kernel.constraint is None and plain.bias.constraint is None


# ------------------------------------------------------------------------------------------------ dtype, trainable
def test_float64_layer(rng):
    layer = Conv1DTranspose(2, 3, dtype="float64")
    y = layer(rng.standard_normal((1, 4, 3)).astype("float32"))  # float inputs are cast to the layer's dtype
    assert str(y.dtype) == "float64" and str(layer.kernel.dtype) == "float64" and str(layer.bias.dtype) == "float64"


def test_default_float32_casts_float64_inputs():
    y = Conv1D(2, 3)(np.ones((1, 4, 3)))
    assert str(y.dtype) == "float32"


def test_trainable_false():
    layer = Conv1DTranspose(2, 3, trainable=False)
    layer(np.ones((1, 4, 3)))
    assert layer.trainable_weights == [] and len(layer.non_trainable_weights) == 2
    assert layer.get_config()["trainable"] is False


def test_kernel_initializer_none_means_glorot_uniform_like_keras():
    layer = Conv1DTranspose(2, 3, kernel_initializer=None)
    assert isinstance(layer.kernel_initializer, initializers.GlorotUniform)


def test_a_padding_name_in_the_strides_position_is_explained():
    """``Conv1D(4, 3, "same")`` (a tester's slip: the third positional argument is ``strides``): Keras' TypeError,
    with the hint."""
    for cls in (Conv1D, Conv1DTranspose):
        with pytest.raises(TypeError, match=r"Received strides='same' of type str \(the third positional argument of "
                                            r"the conv layers is `strides`: pass padding='same'\)"):
            cls(4, 3, "same")
