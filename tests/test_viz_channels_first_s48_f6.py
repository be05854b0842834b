"""Channels_first models in the connectivity pictures, each checked against Keras 3 by perturbation: add to every
channel of input step j, see which output steps change (the steps axis of a channels_first signal is axis 2).

Before s48_f6: a nested model with no channels_first layer of its own was drawn channels_last (a Dense in it as the
identity across 14 steps, where the forward pass makes 5); UpSampling1D and Cropping1D, which act on axis 1 (the
channels there), were drawn as resampling the steps; a Reshape read its target as (steps, channels); a Flatten()
was refused as mixing the data formats."""
import numpy as np
import pytest

from tinygradconv import layers as L
from tinygradconv import viz
from tinygradconv.models import Sequential

keras = pytest.importorskip("keras")

CF = {"data_format": "channels_first"}
C, N = 3, 8


def keras_steps_pattern(klayers, channels=C, steps=N):
    """``reach[n, j]``: whether output step n of the Keras model changes when input step j (all channels) does."""
    init = keras.initializers.RandomUniform(0.5, 1.5, seed=0)        # positive: a max or a relu passes a change on
    model = keras.Sequential([keras.Input((channels, steps)),
                              keras.layers.Conv1D(channels, 1, use_bias=False,
                                                  kernel_initializer=init, **CF), *klayers])
    x = np.random.default_rng(0).uniform(1, 2, (1, channels, steps)).astype("float32")
    y0 = keras.ops.convert_to_numpy(model(x, training=False))[0].astype(np.float64)
    columns = []
    for j in range(steps):
        xp = x.copy()
        xp[0, :, j] += np.arange(1.0, channels + 1)         # not one shift of all: a softmax over channels sees it
        change = keras.ops.convert_to_numpy(model(xp, training=False))[0] - y0
        change = np.abs(change)         # (a softmax over the channels moves them in opposite ways: their sum stays)
        change = change.sum(axis=0) if change.ndim == 2 else np.array([change.sum()])     # a 2-D output: one step
        columns.append(change > 1e-6)
    return np.stack(columns, axis=1)


def ours(*extra, channels=C):
    return Sequential([L.Input((channels, N)), L.Conv1D(channels, 1, **CF), *extra])


def test_a_nested_model_without_a_format_of_its_own_takes_the_outer_channels_first():
    # the reviewer's input: the forward pass gives (1, 1, 5); the Dense of the inner model works on the 14 steps
    model = Sequential([L.Input((1, 16)), L.Conv1D(1, 3, **CF), Sequential([L.Dense(5)])])
    assert model(np.zeros((1, 1, 16))).shape == (1, 1, 5)
    kmodel = keras.Sequential([keras.Input((1, 16)),
                               keras.layers.Conv1D(1, 3, use_bias=False, kernel_initializer="ones", **CF),
                               keras.Sequential([keras.layers.Dense(5, use_bias=False, kernel_initializer="ones")])])
    reference = np.stack([keras.ops.convert_to_numpy(kmodel(np.eye(16, dtype="float32")[j][None, None]))[0, 0]
                          for j in range(16)], axis=1)
    np.testing.assert_array_equal(viz.model_connectivity_matrix(model, 16), reference)   # (5, 16): 1 2 3 ... 3 2 1
    fig = viz.plot_model_connectivity(model, 16)
    assert fig.path_matrix.shape == (5, 16)
    # the same when the outer format comes from a nested model only
    inner_first = Sequential([L.Input((1, 16)), Sequential([L.Conv1D(1, 3, **CF)]), L.Dense(5)])
    np.testing.assert_array_equal(viz.model_connectivity_matrix(inner_first, 16), reference)


def test_an_outer_and_a_nested_model_of_two_formats_are_refused():
    model = Sequential([L.Conv1D(1, 3, **CF), Sequential([L.Conv1D(1, 3)])])
    with pytest.raises(ValueError, match=r"mix the data formats \['channels_first', 'channels_last'\]"):
        viz.model_connectivity_matrix(model, 8)


@pytest.mark.parametrize("layer, keras_shape", [(L.UpSampling1D(2), (1, 6, 8)), (L.Cropping1D(1), (1, 1, 8))])
def test_upsampling_and_cropping_act_on_the_channels_there_and_are_refused(layer, keras_shape):
    # Keras: no data_format, axis 1 is resampled (the channels of a channels_first signal); the steps stay 8
    klayer = getattr(keras.layers, type(layer).__name__)(2 if isinstance(layer, L.UpSampling1D) else 1)
    kmodel = keras.Sequential([keras.Input((3, 8)), keras.layers.Conv1D(3, 1, **CF), klayer])
    assert tuple(kmodel(np.zeros((1, 3, 8), "float32")).shape) == keras_shape
    model = Sequential([L.Input((3, 8)), L.Conv1D(3, 1, **CF), layer])
    assert model(np.zeros((1, 3, 8))).shape == keras_shape                      # ours, as Keras
    with pytest.raises(ValueError, match=r"Invalid value for argument `model`: layer .* has no data_format: it "
                                         r"(repeats|crops) axis 1, which in this channels_first model is the channels"):
        viz.model_connectivity_matrix(model, 8)
    with pytest.raises(ValueError, match="channels_first model is the channels"):
        viz.plot_model_connectivity(model, 8)


def test_repeat_vector_in_a_channels_first_model_is_refused():
    # Keras: Flatten -> RepeatVector(4) gives (batch, 4, 24): the repeats on axis 1, the channels there
    kmodel = keras.Sequential([keras.Input((3, 8)), keras.layers.Flatten(), keras.layers.RepeatVector(4)])
    assert tuple(kmodel(np.zeros((1, 3, 8), "float32")).shape) == (1, 4, 24)
    with pytest.raises(ValueError, match=r"RepeatVector\(4\)\) makes \(batch, 4, features\): its repeats lie on "
                                         r"axis 1, the channels axis of a channels_first model"):
        viz.model_connectivity_matrix(ours(L.Flatten(), L.RepeatVector(4)), N)


@pytest.mark.parametrize("target", [(C, N), (N, C), (1, C * N), (6, 4), (4, 6), (C * N,), (-1, 12), (2, -1)])
def test_a_reshape_in_a_channels_first_model_reads_its_target_as_channels_then_steps(target):
    reference = keras_steps_pattern([keras.layers.Reshape(target)])
    got = viz.model_connectivity_matrix(ours(L.Reshape(target)), N)
    np.testing.assert_array_equal(got > 0, reference)


def test_a_regrouping_reshape_in_a_channels_first_model_by_hand():
    # (3, 8) -> (4, 6), row-major: output step 0 holds the values 0, 6, 12, 18 of the flat sample, which are the
    # input steps 0, 6, 4 (12 - 8) and 2 (18 - 16)
    got = viz.model_connectivity_matrix(ours(L.Reshape((4, 6))), N)
    assert np.nonzero(got[0])[0].tolist() == [0, 2, 4, 6]


LAYERS = {
    "MaxPooling1D(2, cf)": lambda m: [m.MaxPooling1D(2, **CF)],
    "AveragePooling1D(3, s=2, same, cf)": lambda m: [m.AveragePooling1D(3, strides=2, padding="same", **CF)],
    "GlobalAveragePooling1D(cf)": lambda m: [m.GlobalAveragePooling1D(**CF)],
    "GlobalMaxPooling1D(cf)": lambda m: [m.GlobalMaxPooling1D(**CF)],
    "GlobalAveragePooling1D(cf, keepdims)": lambda m: [m.GlobalAveragePooling1D(keepdims=True, **CF)],
    "Flatten()": lambda m: [m.Flatten()],
    "Flatten(cf)": lambda m: [m.Flatten(**CF)],
    "ZeroPadding1D(1, cf)": lambda m: [m.ZeroPadding1D(1, **CF)],
    "Permute((1, 2))": lambda m: [m.Permute((1, 2))],
    "LayerNormalization()": lambda m: [m.LayerNormalization()],
    "UnitNormalization()": lambda m: [m.UnitNormalization()],
    "UnitNormalization(axis=1)": lambda m: [m.UnitNormalization(axis=1)],
    "BatchNormalization()": lambda m: [m.BatchNormalization()],
    "BatchNormalization(axis=1)": lambda m: [m.BatchNormalization(axis=1)],
    "GroupNormalization(1)": lambda m: [m.GroupNormalization(1)],
    "GroupNormalization(1, axis=1)": lambda m: [m.GroupNormalization(1, axis=1)],
    "Dropout": lambda m: [m.Dropout(0.5)],
    "SpatialDropout1D": lambda m: [m.SpatialDropout1D(0.5)],
    "Activation('relu')": lambda m: [m.Activation("relu")],
    "Activation('softmax')": lambda m: [m.Activation("softmax")],
    "Softmax()": lambda m: [m.Softmax()],
    "Softmax(axis=1)": lambda m: [m.Softmax(axis=1)],
    "ReLU": lambda m: [m.ReLU()],
    "LeakyReLU": lambda m: [m.LeakyReLU()],
    "Dense(5)": lambda m: [m.Dense(5)],
    "DepthwiseConv1D(3, cf)": lambda m: [m.DepthwiseConv1D(3, **CF)],
    "SeparableConv1D(2, 3, cf)": lambda m: [m.SeparableConv1D(2, 3, **CF)],
}


@pytest.mark.parametrize("name", LAYERS)
def test_every_layer_drawn_in_a_channels_first_model_reaches_the_steps_keras_reaches(name):
    reference = keras_steps_pattern(LAYERS[name](keras.layers))
    got = viz.model_connectivity_matrix(ours(*LAYERS[name](L)), N)
    np.testing.assert_array_equal(got > 0, reference)


@pytest.mark.parametrize("name", ["MaxPooling1D(2)", "GlobalAveragePooling1D()", "ZeroPadding1D(1)"])
def test_a_channels_last_layer_in_a_channels_first_model_is_refused(name):
    # in Keras these pool or pad axis 1, the channels there: refused as mixing the formats, not drawn on the steps
    make = {"MaxPooling1D(2)": lambda m: m.MaxPooling1D(2), "GlobalAveragePooling1D()": lambda m:
            m.GlobalAveragePooling1D(), "ZeroPadding1D(1)": lambda m: m.ZeroPadding1D(1)}[name]
    with pytest.raises(ValueError, match="mix the data formats"):
        viz.model_connectivity_matrix(ours(make(L)), N)


def test_permute_that_moves_the_steps_is_a_value_error_and_an_unknown_kind_a_type_error():
    # a kind drawn here whose dims leave no steps: its value; a kind with no matrix: its type
    with pytest.raises(ValueError, match=r"Permute\(dims=\(2, 1\)\)\) moves the steps axis"):
        viz.model_connectivity_matrix(Sequential([L.Permute((2, 1))]), 5)
    with pytest.raises(TypeError, match="has no connectivity matrix here"):
        viz.model_connectivity_matrix(Sequential([L.Add()]), 5)
