"""Connectivity of more layers (pooling, depthwise convolutions, normalizations, global pooling, Flatten,
Embedding, reshaping), single layers drawn as models, titles with groups, and argument names (session 46, F2).

Every step-to-step pattern is checked against Keras: perturb one input step and see which output steps change.
"""
import os

import numpy as np
import pytest

pytest.importorskip("matplotlib")

from figure_check import assert_readable
from reference_connectivity import naive_conv, naive_transpose

import tinygradconv.viz as v
from tinygradconv import models
from tinygradconv.layers import (
    Add,
    AveragePooling1D,
    BatchNormalization,
    Concatenate,
    Conv1D,
    Conv1DTranspose,
    DepthwiseConv1D,
    Embedding,
    Flatten,
    GaussianDropout,
    GaussianNoise,
    GlobalAveragePooling1D,
    GlobalMaxPooling1D,
    GroupNormalization,
    Identity,
    Input,
    LayerNormalization,
    Masking,
    MaxPooling1D,
    Permute,
    RepeatVector,
    Reshape,
    SeparableConv1D,
    SpatialDropout1D,
    UnitNormalization,
    UpSampling1D,
)


def keras_steps_reached(layer, length, channels=2):
    """Which output steps of the Keras ``layer`` change when one input step changes: ``R[n, j] = 1`` when a change
    of step ``j`` (channel 0 only, by a large amount) changes output step ``n``. An output with no steps axis
    (global pooling, Flatten) is one step."""
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).normal(size=(1, length, channels)).astype("float32")

    def out(values):
        y = keras.ops.convert_to_numpy(layer(values, training=False))
        return y.reshape(y.shape[1], -1) if y.ndim == 3 else y.reshape(1, -1)

    base = out(x)
    columns = []
    for j in range(length):
        moved = x.copy()
        moved[0, j, 0] += 100.0
        columns.append((np.abs(out(moved) - base).max(axis=1) > 1e-4).astype(int))
    return np.array(columns).T


POOLINGS = [(2, None, "valid"), (3, 2, "same"), (2, 1, "same"), (3, 1, "same"), (2, 3, "valid"), (4, 2, "same"),
            (3, 3, "same"), (4, 3, "valid"), (5, 2, "same")]


@pytest.mark.parametrize("kind", ["MaxPooling1D", "AveragePooling1D"])
@pytest.mark.parametrize("pool_size, strides, padding", POOLINGS)
@pytest.mark.parametrize("length", [7, 8])
def test_pooling_connects_the_steps_keras_connects(kind, pool_size, strides, padding, length):
    keras = pytest.importorskip("keras")
    ours = {"MaxPooling1D": MaxPooling1D, "AveragePooling1D": AveragePooling1D}[kind]
    layer = ours(pool_size, strides=strides, padding=padding)
    expected = keras_steps_reached(getattr(keras.layers, kind)(pool_size, strides=strides, padding=padding), length)
    got = v.model_connectivity_matrix(models.Sequential([layer]), length)
    np.testing.assert_array_equal(got, expected)
    # one layer alone, and the functions that take a layer
    np.testing.assert_array_equal(v.connectivity_matrix(layer, length), expected)
    np.testing.assert_array_equal(v.overlap_counts(layer, length), expected.sum(axis=1))


@pytest.mark.parametrize("kernel_size, strides, padding, dilation", [(3, 1, "valid", 1), (3, 2, "same", 1),
                                                                     (2, 1, "same", 2), (4, 3, "same", 1)])
def test_depthwise_and_separable_connect_the_steps_keras_connects(kernel_size, strides, padding, dilation):
    keras = pytest.importorskip("keras")
    settings = {"strides": strides, "padding": padding, "dilation_rate": dilation}
    for ours, theirs in ((DepthwiseConv1D(kernel_size, **settings),
                          keras.layers.DepthwiseConv1D(kernel_size, depthwise_initializer="ones", **settings)),
                         (SeparableConv1D(3, kernel_size, **settings),
                          keras.layers.SeparableConv1D(1, kernel_size, depthwise_initializer="ones",
                                                       pointwise_initializer="ones", **settings))):
        expected = keras_steps_reached(theirs, 9, channels=1)
        got = v.model_connectivity_matrix(models.Sequential([ours]), 9)
        np.testing.assert_array_equal(got != 0, expected)
        # all-ones taps: a step read by two taps of a dilated kernel counts 2 paths, as Conv1D (the brief's check)
        np.testing.assert_array_equal(got, v.connectivity_matrix("conv1d", 9, kernel_size=kernel_size, **settings))


def test_depthwise_overlap_counts_found_by_a_builder():
    # the brief's input: it raised "has no connectivity matrix here"
    assert v.overlap_counts(models.Sequential([DepthwiseConv1D(3)]), 5).tolist() == [3.0, 3.0, 3.0]


@pytest.mark.parametrize("make", [
    lambda k: (LayerNormalization(), k.layers.LayerNormalization()),
    lambda k: (LayerNormalization(axis=[1, 2]), k.layers.LayerNormalization(axis=[1, 2])),
    lambda k: (UnitNormalization(), k.layers.UnitNormalization()),
    lambda k: (UnitNormalization(axis=-2), k.layers.UnitNormalization(axis=-2)),
    lambda k: (GroupNormalization(groups=2), k.layers.GroupNormalization(groups=2)),
    lambda k: (BatchNormalization(), k.layers.BatchNormalization()),
    lambda k: (GlobalAveragePooling1D(), k.layers.GlobalAveragePooling1D()),
    lambda k: (GlobalMaxPooling1D(), k.layers.GlobalMaxPooling1D()),
    lambda k: (GlobalMaxPooling1D(keepdims=True), k.layers.GlobalMaxPooling1D(keepdims=True)),
    lambda k: (Flatten(), k.layers.Flatten()),
    lambda k: (Reshape((12,)), k.layers.Reshape((12,))),
    lambda k: (Reshape((6, 2)), k.layers.Reshape((6, 2))),
    lambda k: (Permute((1, 2)), k.layers.Permute((1, 2))),
    lambda k: (GaussianNoise(0.5), k.layers.GaussianNoise(0.5)),
    lambda k: (GaussianDropout(0.5), k.layers.GaussianDropout(0.5)),
    lambda k: (SpatialDropout1D(0.5), k.layers.SpatialDropout1D(0.5)),
    lambda k: (Identity(), k.layers.Identity()),
    lambda k: (Masking(), k.layers.Masking()),
], ids=lambda f: "")
def test_per_step_and_all_step_layers_as_keras(make):
    keras = pytest.importorskip("keras")
    ours, theirs = make(keras)
    expected = keras_steps_reached(theirs, 6)
    np.testing.assert_array_equal(v.model_connectivity_matrix(models.Sequential([ours]), 6), expected)


def test_embedding_is_per_step():
    # Embedding maps each step's integer alone (hand check: output step n is the row of token n)
    model = models.Sequential([Embedding(10, 3)])
    np.testing.assert_array_equal(v.model_connectivity_matrix(model, 5), np.eye(5))


def test_global_pooling_then_repeat_vector_reaches_every_step():
    # hand check: the one pooled step sees the 5 input steps, and each of the 3 repeats is that step
    model = models.Sequential([GlobalAveragePooling1D(), RepeatVector(3)])
    np.testing.assert_array_equal(v.model_connectivity_matrix(model, 5), np.ones((3, 5)))


def test_meaningless_steps_are_refused_clearly():
    with pytest.raises(ValueError, match=r"Permute\(dims=\(2, 1\)\)\) moves the steps axis"):
        v.model_connectivity_matrix(models.Sequential([Permute((2, 1))]), 5)
    with pytest.raises(ValueError, match=r"RepeatVector\(3\)\) takes \(batch, features\)"):
        v.model_connectivity_matrix(models.Sequential([RepeatVector(3)]), 5)
    with pytest.raises(ValueError, match=r"Reshape\(\(2, 4\)\)\) makes 8 values a sample, which 3 input steps"):
        v.model_connectivity_matrix(models.Sequential([Reshape((2, 4))]), 3)     # a regrouping is drawn (s47)
    with pytest.raises(ValueError, match="leaves no steps from an input of 2"):
        v.model_connectivity_matrix(models.Sequential([MaxPooling1D(3)]), 2)


def test_pooling_pictures_draw_and_name_the_layer():
    model = models.Sequential([Conv1D(1, 3, padding="same"), MaxPooling1D(3, strides=2, padding="same")])
    fig = v.plot_model_connectivity(model, 8)
    # hand check: the conv's cells count 2, 3, 3, 3, 3, 3, 3, 2 paths; 4 windows of 3 every 2 steps, Keras' padding
    # (3 * 2 + 3 - 8 = 1 step) all on the right: steps (0, 1, 2), (2, 3, 4), (4, 5, 6), (6, 7)
    np.testing.assert_array_equal(fig.path_matrix.sum(axis=1), [8, 9, 9, 5])
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "MaxPooling1D(3, s=2, same)" in labels
    ax = v.plot_receptive_field(model, 8, 1)
    assert ax.receptive_field.tolist() == [0, 1, 2, 3, 2, 1, 0, 0]     # window 1: conv steps 2, 3, 4
    ax = v.plot_overlap_counts(AveragePooling1D(2), 4)
    assert [p.get_height() for p in ax.patches] == [2, 2]
    ax.figure.draw_without_rendering()
    assert all(float(tick).is_integer() for tick in ax.get_xticks())       # steps: no tick at 0.5


def test_a_single_layer_is_a_chain_of_one():
    # the brief's inputs: "Expected a Sequential or functional model (or a single Conv1D / Conv1DTranspose layer).
    # Received Conv1D", which contradicted itself
    layer = Conv1D(1, 3)
    layer.build((None, 8, 1))
    fig = v.plot_model_connectivity(layer, 8)
    np.testing.assert_array_equal(fig.path_matrix, v.connectivity_matrix("conv1d", 8, kernel_size=3))
    ax = v.plot_receptive_field(Conv1DTranspose(1, 3, strides=2), 4, 2)
    assert ax.receptive_field.tolist() == [1.0, 1.0, 0.0, 0.0]          # y[2] = x[0] (tap 2) + x[1] (tap 0)
    with pytest.raises(TypeError, match=r"Expected a Sequential or functional model, or one layer of a kind drawn "
                                        r"here \(Conv1D, .*MaxPooling1D.*\)\. Received int"):
        v.plot_model_connectivity(5, 8)


def test_argument_names_model_or_layer():
    ax = v.plot_overlap_counts(UpSampling1D(2), 3)                     # it worked in a model only
    assert [p.get_height() for p in ax.patches] == [1] * 6
    ax = v.plot_overlap_counts(MaxPooling1D(2), 4)
    assert [p.get_height() for p in ax.patches] == [2, 2]
    with pytest.raises(TypeError, match=r"Invalid type for argument `model_or_layer`\. .*Received 5 of type int"):
        v.overlap_counts(5, 4)
    with pytest.raises(TypeError, match=r"argument `model_or_layer`"):
        v.plot_overlap_counts(object(), 4)


def test_groups_in_the_titles():
    layer = Conv1D(4, 3, strides=2, groups=2, padding="same")
    layer.build((None, 8, 4))
    ax = v.plot_connectivity(layer, 8, weights="kernel")
    title = ax.get_title().replace("\n", " ")
    assert "it has 4 input channels and 4 filters in 2 groups: 2 input channels → 2 filters each" in title
    model = models.Sequential([Conv1D(4, 3, groups=2, padding="same"), Conv1D(2, 3, groups=2)])
    model.build((None, 8, 4))
    text = v.plot_model_connectivity(model, 8).get_suptitle().replace("\n", " ")
    assert "Conv1D: an input channel reaches only the output channels of its group" in text
    text = v.plot_model_connectivity(models.Sequential([Conv1D(2, 3)]), 8).get_suptitle().replace("\n", " ")
    assert "Conv1D: every input channel reaches every output channel" in text        # no groups


def test_functional_model_with_pooling_and_global_pooling():
    x = Input((8, 2))
    h = Conv1D(2, 3, padding="same")(x)
    h = MaxPooling1D(2)(h)
    y = GlobalAveragePooling1D(keepdims=True)(h)
    # hand check: the 4 windows of 2 cover the 8 conv steps once each, so input step j reaches the one output by
    # as many paths as conv steps read it: the column sums of the 3-tap "same" conv, 2, 3, 3, 3, 3, 3, 3, 2
    matrix = v.model_connectivity_matrix(models.Model(x, y), 8)
    assert matrix.tolist() == [[2.0, 3.0, 3.0, 3.0, 3.0, 3.0, 3.0, 2.0]]


def test_long_layer_names_leave_the_cells_most_of_the_width():
    # the teacher-tester's model: names like "decoder_block_upsampling_transposed_convolution" took half the width
    x = Input((None, 1))
    h = Conv1D(1, 3, strides=2, padding="same", name="encoder_block_downsampling_strided_convolution")(x)
    h = Conv1DTranspose(1, 4, strides=2, padding="same", name="decoder_block_upsampling_transposed_convolution")(h)
    y = Add(name="residual_connection_merge_of_skip_and_decoder")([x, h])
    fig = v.plot_model_connectivity(models.Model(x, y), 8)
    assert fig.get_size_inches()[0] <= 9.5
    assert fig.axes[0].get_position().width > 0.5          # the cells' Axes: was 0.30 of the figure
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert "decoder_block_upsampling_transposed_convolution:\nConv1DTranspose(k=4, s=2, same)" in labels
    assert_readable(fig)


def test_long_names_in_a_unet_keep_the_layout():
    # was an 18.1-inch figure and "constrained_layout not applied because axes sizes collapsed to zero"
    import warnings

    x = Input((None, 1))
    e1 = Conv1D(1, 3, padding="same", name="encoder_block_one_convolution_same_padding")(x)
    e2 = Conv1D(1, 3, strides=2, padding="same", name="encoder_block_downsampling_strided_convolution")(e1)
    d = Conv1DTranspose(1, 4, strides=2, padding="same", name="decoder_block_upsampling_transposed_convolution")(e2)
    c = Concatenate(name="decoder_block_concatenate_skip_connection_channels")([d, e1])
    y = Add(name="residual_connection_merge_of_skip_and_decoder_output")(
        [x, Conv1D(1, 1, name="final_projection_pointwise_convolution_to_one_channel")(c)])
    with warnings.catch_warnings():
        warnings.simplefilter("error")                  # a layout warning fails the test
        fig = v.plot_model_connectivity(models.Model(x, y), 12)
    assert fig.get_size_inches()[0] <= 9.5 and fig.axes[0].get_position().width > 0.5
    assert_readable(fig)


def test_negative_matching_padding_is_explained():
    # k=2 < s=4: the transpose's output ends with 2 steps no tap reaches; the matching conv crops them
    fig = v.plot_conv_matrix("conv1d_transpose", 5, kernel_size=2, strides=4)
    title = fig.get_suptitle().replace("\n", " ")
    assert "padding (left, right) = (0, -2)" in title
    assert "a negative padding crops: the conv first drops the last 2 steps of the 20" in title


@pytest.mark.parametrize("max_nodes, error, match", [
    ("10", TypeError, (r"Invalid type for argument `max_nodes`\. Expected a strictly positive integer\. Received "
                      r"max_nodes='10'")),
    (-1, ValueError, (r"Invalid value for argument `max_nodes`\. Expected a strictly positive integer\. Received "
                     r"max_nodes=-1")),
    (2.5, TypeError, r"argument `max_nodes`"),
])
def test_plot_graph_max_nodes_is_checked(max_nodes, error, match):
    import tinygradconv as tg

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match=match):
        v.plot_graph((x * x).sum(), max_nodes=max_nodes)


def test_three_digit_counts_in_narrow_cells_are_written_upright():
    # the teacher-tester's stack: from row 5 down the cells were blank (3- and 4-digit counts did not fit across)
    model = models.Sequential([Conv1D(1, 3, padding="same") for _ in range(6)]
                              + [Conv1DTranspose(1, 4, strides=2, padding="same") for _ in range(2)])
    fig = v.plot_model_connectivity(model, 10)
    texts = [t for t in fig.axes[0].texts if t.get_text().isdigit()]
    assert len(texts) == 10 * 7 + 20 + 40 and all(t.get_visible() for t in texts)
    # the last row written: the row sums of the product of the naive layer matrices (Keras' formulas, as loops)
    conv = naive_conv(10, 3, 1, "same", 1, np.ones(3))[0]
    up = [naive_transpose(n, 4, 2, "same", None, 1, np.ones(4))[0] for n in (10, 20)]
    expected = (up[1] @ up[0] @ np.linalg.matrix_power(conv, 6)).sum(axis=1)
    assert [int(t.get_text()) for t in texts[-40:]] == expected.astype(int).tolist()
    assert any(t.get_rotation() == 90 for t in texts)
    assert "not written" not in fig.get_suptitle()
    assert_readable(fig)
