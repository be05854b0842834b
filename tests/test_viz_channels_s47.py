"""What the connectivity pictures say about channels (session 47), checked against Keras by perturbation.

1. The channels note said "every channel pair connects the same steps" for every model; pooling, activations,
   DepthwiseConv1D, normalizations and dropout connect channel c to channel c only. Now each layer kind drawn is
   named with its rule (``channel_rule``), and for every kind the rule is what perturbing one input channel of the
   Keras layer (and of ours) shows: which output channels move.
2. A Reshape that regroups steps ((8, 2) -> (4, 4)) was refused; it is drawn, its step matrix checked against
   perturbing one input step of Keras' Reshape and against the Jacobian of our model.
"""
import numpy as np
import pytest

pytest.importorskip("matplotlib")
keras = pytest.importorskip("keras")
import matplotlib.pyplot as plt

from tinygradconv import layers, models, viz
from tinygradconv.viz import model_connectivity as mc

STEPS, CHANNELS = 6, 4

# (class name, keyword arguments): each built on (batch, 6 steps, 4 channels) in Keras and here
CASES = [
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
    ("Conv1D", {"filters": 4, "kernel_size": 3, "padding": "same", "groups": 2}),
    ("Conv1DTranspose", {"filters": 4, "kernel_size": 3, "strides": 2}),
    ("SeparableConv1D", {"filters": 4, "kernel_size": 3, "padding": "same"}),
    ("DepthwiseConv1D", {"kernel_size": 3, "padding": "same", "depth_multiplier": 2}),
    ("Dense", {"units": 3}),
    ("MaxPooling1D", {"pool_size": 2}),
    ("AveragePooling1D", {"pool_size": 3, "strides": 1, "padding": "same"}),
    ("GlobalAveragePooling1D", {}),
    ("GlobalMaxPooling1D", {}),
    ("ReLU", {}),
    ("LeakyReLU", {}),
    ("ELU", {}),
    ("PReLU", {}),
    ("Activation", {"activation": "tanh"}),
    ("Activation", {"activation": "softmax"}),
    ("Dropout", {"rate": 0.5}),
    ("SpatialDropout1D", {"rate": 0.5}),
    ("GaussianNoise", {"stddev": 0.1}),
    ("GaussianDropout", {"rate": 0.1}),
    ("BatchNormalization", {}),
    ("LayerNormalization", {}),
    ("LayerNormalization", {"axis": 1}),
    ("UnitNormalization", {}),
    ("GroupNormalization", {"groups": 2}),
    ("GroupNormalization", {"groups": 1}),
    ("GroupNormalization", {"groups": 4}),
    ("UpSampling1D", {"size": 2}),
    ("ZeroPadding1D", {"padding": 1}),
    ("Cropping1D", {"cropping": 1}),
    ("Identity", {}),
    ("Masking", {}),
    ("Permute", {"dims": (1, 2)}),
    ("Reshape", {"target_shape": (STEPS, CHANNELS)}),
    ("Reshape", {"target_shape": (3, 8)}),
    ("Flatten", {}),
]


def _moves(call, point, delta=3.0):
    """``moved[c_out, c_in]``: whether output channel ``c_out`` (the last axis) changes, at any step, when input
    channel ``c_in`` of the middle step moves by ``delta``; and ``values``, for each input channel, how many output
    values change."""
    base = call(point)
    moved = np.zeros((base.shape[-1], CHANNELS), bool)
    values = []
    for c in range(CHANNELS):
        x = point.copy()
        x[0, STEPS // 2, c] += delta
        change = np.abs(call(x) - base) > 1e-6
        moved[:, c] = change.reshape(-1, base.shape[-1]).any(axis=0)
        values.append(int(change.sum()))
    return moved, values


def _layer_norm_over_steps(x):
    """LayerNormalization(axis=1) from its formula (Keras 3.15's torch backend refuses it: "Given
    normalized_shape=[6], expected input with shape [*, 6], but got input of size[1, 6, 4]")."""
    return (x - x.mean(axis=1, keepdims=True)) / np.sqrt(x.var(axis=1, keepdims=True) + 1e-3)


def _keras(name, kwargs):
    if name == "LayerNormalization" and kwargs.get("axis") == 1:
        return _layer_norm_over_steps
    layer = getattr(keras.layers, name)(**kwargs)
    return lambda x: keras.ops.convert_to_numpy(layer(x, training=False)).astype(np.float64)


def _ours(layer):
    return lambda x: np.asarray(layer(x.astype("float32"), training=False).numpy(), dtype=np.float64)


def _holds(rule, moved, values, kwargs):
    """Whether the perturbation shows the rule."""
    if rule == "every":
        return moved.all()
    if rule == "same":
        return np.array_equal(moved, np.eye(CHANNELS, dtype=bool))
    if rule == "moved":                         # one output value for each input value
        return values == [1] * CHANNELS
    if rule == "group":                         # a block pattern: some pairs, not all, each input its own outputs
        outputs = [set(np.nonzero(moved[:, c])[0]) for c in range(CHANNELS)]
        groups = kwargs.get("groups", CHANNELS)              # DepthwiseConv1D: a group per channel
        per_in = CHANNELS // groups
        return not moved.all() and all(outputs[c] == outputs[per_in * (c // per_in)] and outputs[c]
                                       and all(outputs[c].isdisjoint(outputs[d]) for d in range(CHANNELS)
                                               if d // per_in != c // per_in) for c in range(CHANNELS))
    raise AssertionError(rule)


@pytest.mark.parametrize("name, kwargs", CASES, ids=[f"{n}{sorted(k.items())}" for n, k in CASES])
def test_the_channels_note_says_what_perturbing_one_channel_shows(name, kwargs):
    point = np.random.default_rng(7).uniform(0.5, 1.5, (1, STEPS, CHANNELS))
    x = layers.Input((STEPS, CHANNELS))
    layer = getattr(layers, name)(**kwargs)
    model = models.Model(x, layer(x))
    rule = mc.channel_rule(layer, STEPS)
    for call in (_keras(name, kwargs), _ours(layer)):             # Keras is the reference; ours must agree
        moved, values = _moves(call, point)
        assert _holds(rule, moved, values, kwargs), (name, kwargs, rule, moved.astype(int).tolist(), values)
    if name.startswith("Global") or name == "Flatten":
        return                                      # one step left: drawn, but its picture has no channels note
    fig = viz.plot_model_connectivity(model, STEPS)
    title = fig.get_suptitle().replace("\n", " ")
    note = title[title.index("channels not drawn ("):]
    segment = next(part for part in note.split("; ") if mc.CHANNEL_RULES[rule] in part)
    assert name in segment.split(": ")[0], (name, note)
    assert "every channel pair connects the same steps" not in title
    plt.close(fig)


def test_one_model_names_each_layer_kind_with_its_rule():
    x = layers.Input((8, 3))
    h = layers.Conv1D(4, 3, padding="same")(x)
    h = layers.MaxPooling1D(2)(h)
    h = layers.ReLU()(h)
    h = layers.DepthwiseConv1D(3, padding="same")(h)
    fig = viz.plot_model_connectivity(models.Model(x, layers.LayerNormalization()(h)), 8)
    title = fig.get_suptitle().replace("\n", " ")
    assert ("channels not drawn (Conv1D, LayerNormalization: every input channel reaches every output channel; "
            "DepthwiseConv1D: an input channel reaches only the output channels of its group; MaxPooling1D, ReLU: "
            "channel c reaches output channel c only)") in title
    plt.close(fig)


def test_add_and_concatenate_along_the_channels():
    x = layers.Input((6, 2))
    a = layers.Conv1D(2, 3, padding="same")(x)
    b = layers.ReLU()(x)
    fig = viz.plot_model_connectivity(models.Model(x, layers.Concatenate()([layers.Add()([a, b]), b])), 6)
    title = fig.get_suptitle().replace("\n", " ")
    assert "ReLU, Add: channel c reaches output channel c only" in title
    assert "Concatenate: channel c of each input reaches one output channel" in title
    plt.close(fig)


@pytest.mark.parametrize("shape, target, channels", [((8, 2), (4, 4), 2), ((8, 3), (-1, 4), 3),
                                                     ((4, 4), (8, 2), 4), ((6, 2), (4, -1), 2)])
def test_a_reshape_that_regroups_steps_is_drawn(shape, target, channels):
    """Its step matrix from the index arithmetic, against Keras (perturb one input step, see which output steps
    move) and against the Jacobian of our model with a Dense after it (weights='model')."""
    steps = shape[0]
    reshape = keras.layers.Reshape(target)
    expected = np.zeros((int(np.prod(shape)) // (target[1] if target[1] != -1 else
                                                  int(np.prod(shape)) // target[0]), steps))
    point = np.random.default_rng(0).standard_normal((1, *shape))
    base = keras.ops.convert_to_numpy(reshape(point))
    for j in range(steps):
        x = point.copy()
        x[0, j] += 1.0
        expected[:, j] = (np.abs(keras.ops.convert_to_numpy(reshape(x)) - base) > 0).any(axis=2)[0]
    model = models.Sequential([layers.Input(shape), layers.Reshape(target)])
    np.testing.assert_array_equal(viz.model_connectivity_matrix(model, steps), expected)
    x = layers.Input(shape)
    jac_model = models.Model(x, layers.Dense(1, kernel_initializer="ones")(layers.Reshape(target)(x)))
    jacobian = viz.model_connectivity_matrix(jac_model, steps, weights="model")
    np.testing.assert_array_equal(jacobian != 0, expected.astype(bool))
    fig = viz.plot_model_connectivity(model, steps)
    title = fig.get_suptitle().replace("\n", " ")
    assert "Reshape: each value goes to one place, the channels moving between steps" in title
    np.testing.assert_array_equal(fig.path_matrix, expected)
    plt.close(fig)


def test_the_briefs_reshape_reads_steps_2n_and_2n_plus_1():
    model = models.Sequential([layers.Input((8, 2)), layers.Reshape((4, 4))])
    matrix = viz.model_connectivity_matrix(model, 8)
    assert [np.nonzero(row)[0].tolist() for row in matrix] == [[0, 1], [2, 3], [4, 5], [6, 7]]   # by hand


def test_a_reshape_whose_values_do_not_fit_the_input_length():
    with pytest.raises(ValueError, match=r"Reshape\(\(4, 4\)\)\) makes 16 values a sample, which 5 input steps"):
        viz.model_connectivity_matrix(models.Sequential([layers.Reshape((4, 4))]), 5)
    with pytest.raises(ValueError, match=r"its -1 leaves the number of input channels unknown"):
        viz.model_connectivity_matrix(models.Sequential([layers.Reshape((-1, 4))]), 8)
