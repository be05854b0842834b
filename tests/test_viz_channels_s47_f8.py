"""The connectivity pictures for a softmax over the steps (session 47, f8), each checked by perturbing one input value
in Keras and seeing which output steps and channels move:

* ``Conv1D(4, 3, data_format="channels_first", activation="softmax")`` normalizes each channel over its steps (the
  last axis there): every output step reads every step, so the step picture is no longer the convolution's windows,
  and the channels note said nothing of it;
* a ``Softmax`` layer had no rule at all (refused as unsupported): over the channels it mixes them, over the steps
  every step reaches every step; over the batch axis, or glu over the steps, the model is refused with a clear
  message.
"""
import numpy as np
import pytest

keras = pytest.importorskip("keras")

from tinygradconv import layers, models
from tinygradconv.viz import model_connectivity as mc

STEPS, CHANNELS = 6, 3


def _keras_moves(spec, shape):
    """``(steps[n_out, n_in], channels[c_out, c_in])``: whether output step n_out (any channel) moves when input step
    n_in (any channel) moves, and output channel c_out (any step) when input channel c_in (any step) moves, in Keras.
    ``shape``: ``(steps, channels)`` or, channels_first, ``(channels, steps)``."""
    model = keras.Sequential([keras.Input(shape)] + [getattr(keras.layers, name)(**kwargs) for name, kwargs in spec])
    first = spec[0][1].get("data_format") == "channels_first"
    point = np.random.default_rng(0).uniform(-0.5, 0.5, (1, *shape))
    base = keras.ops.convert_to_numpy(model(point))
    if first:                                               # as (batch, steps, channels) from here on
        base = base.transpose(0, 2, 1)
    steps = np.zeros((base.shape[1], STEPS), bool)
    channels = np.zeros((base.shape[2], CHANNELS), bool)
    for n in range(STEPS):
        for c in range(CHANNELS):
            x = point.copy()
            x[(0, c, n) if first else (0, n, c)] += 0.01
            out = keras.ops.convert_to_numpy(model(x))
            moved = np.abs((out.transpose(0, 2, 1) if first else out) - base)[0] > 1e-9
            steps[:, n] |= moved.any(axis=1)
            channels[:, c] |= moved.any(axis=0)
    return steps, channels


RULE_PATTERNS = {"every": lambda o, i: np.ones((o, i), bool), "same": lambda o, i: np.eye(o, i, dtype=bool)}

# (layers, input shape, the channel rule expected by hand)
CASES = [
    ([("Conv1D", {"filters": CHANNELS, "kernel_size": 3, "data_format": "channels_first", "activation": "softmax"})],
     (CHANNELS, STEPS), "every"),
    ([("Conv1D", {"filters": CHANNELS, "kernel_size": 3, "data_format": "channels_first",
                  "activation": "log_softmax"})], (CHANNELS, STEPS), "every"),
    ([("AveragePooling1D", {"pool_size": 1, "data_format": "channels_first"}),
      ("Activation", {"activation": "softmax"})], (CHANNELS, STEPS), "same"),
    ([("Softmax", {"axis": -1})], (STEPS, CHANNELS), "every"),
    ([("Softmax", {"axis": 1})], (STEPS, CHANNELS), "same"),
    ([("Softmax", {"axis": [1, 2]})], (STEPS, CHANNELS), "every"),
    ([("AveragePooling1D", {"pool_size": 1, "data_format": "channels_first"}), ("Softmax", {"axis": 1})],
     (CHANNELS, STEPS), "every"),
]


@pytest.mark.parametrize("spec, shape, rule", CASES)
def test_a_softmax_is_drawn_over_the_axis_it_normalizes(spec, shape, rule):
    steps, channels = _keras_moves(spec, shape)
    assert np.array_equal(channels, RULE_PATTERNS[rule](*channels.shape)), channels     # Keras, by hand's rule
    ours = models.Sequential([layers.Input(shape)] + [getattr(layers, name)(**kwargs) for name, kwargs in spec])
    matrix = mc.model_connectivity_matrix(ours, STEPS)
    assert np.array_equal(matrix != 0, steps), (matrix, steps)
    graph = mc._graph_steps(ours, STEPS, matrices=False)
    rules = mc._channel_rules(ours, graph)
    assert rule in rules and spec[-1][0] in " ".join(rules[rule]), rules
    if spec[-1][0] == "Softmax":
        assert f"Softmax(axis={spec[-1][1]['axis']!r})" in mc._channels_note(ours, graph)


@pytest.mark.parametrize("spec, shape, words", [
    ([("Softmax", {"axis": 0})], (STEPS, CHANNELS), "normalizes over the batch axis"),
    ([("Softmax", {"axis": None})], (STEPS, CHANNELS), "normalizes over the batch axis"),
    ([("Conv1D", {"filters": 4, "kernel_size": 3, "data_format": "channels_first", "activation": "glu"})],
     (CHANNELS, STEPS), "applies glu to its last axis, which is the steps axis"),
])
def test_a_softmax_over_the_batch_or_a_glu_over_the_steps_is_refused(spec, shape, words):
    ours = models.Sequential([layers.Input(shape)] + [getattr(layers, name)(**kwargs) for name, kwargs in spec])
    with pytest.raises(ValueError, match="Invalid value for argument `model`") as info:
        mc.model_connectivity_matrix(ours, STEPS)
    assert words in str(info.value)
