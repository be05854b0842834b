"""SimpleRNN, LSTM and GRU against Keras 3.15 on torch where a first review found gaps: the activity regularizer of a
layer with several outputs, ``initial_state`` as nested lists, with a mask and with gradients, fully masked rows,
float16 and float64, other gate activations, dropout with the same masks given to both, and the Keras 2 argument
``implementation``."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers
from tinygradconv.layers.core import constant_like

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _pair(keras, name, units, shape, rng, scale=0.5, dtype="float32", **kwargs):
    """A Keras layer and ours of the same arguments, built for ``shape``, with the same random weights."""
    theirs = getattr(keras.layers, name)(units, dtype=dtype, **kwargs)
    theirs.build(shape)
    ours = getattr(layers, name)(units, dtype=dtype, **kwargs)
    ours.build(shape)
    weights = [rng.normal(scale=scale, size=w.shape).astype(dtype) for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours


def _numpy(tensors):
    tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
    return [t.detach().cpu().numpy() if hasattr(t, "detach") else t.numpy() for t in tensors]


# ------------------------------------------------------------------------------------------ activity regularizer
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("return_sequences", [False, True])
def test_activity_regularizer_adds_one_loss_per_output_and_state_as_keras(name, return_sequences):
    keras = keras_on_torch("Keras 3.15's activity_regularizer with return_state")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(2, 3, 2)).astype("float32")
    theirs, ours = _pair(keras, name, 3, (None, 3, 2), rng, return_state=True, return_sequences=return_sequences,
                         activity_regularizer="l2")
    outputs = _numpy(theirs(x))
    ours(x)
    expected = [float(t.detach().numpy()) for t in theirs.losses]
    if name == "SimpleRNN":
        # Keras 3.15's SimpleRNN never hands activity_regularizer to its base layer: no penalty at all (a Keras
        # bug, listed in docs/keras_compatibility.md). Here it acts as in LSTM and GRU: Keras' rule, l2 = 0.01 *
        # sum(t ** 2) / batch for each tensor, computed on Keras' outputs
        assert expected == []
        expected = [0.01 * float((t.astype("float64") ** 2).sum()) / 2 for t in outputs]
    assert len(expected) == (3 if name == "LSTM" else 2)        # the output, then each state
    np.testing.assert_allclose([float(t.numpy()) for t in ours.losses], expected, rtol=1e-5)


def test_activity_regularizer_of_a_layer_returning_a_tuple_and_a_dict_as_keras():
    keras = keras_on_torch("Keras 3.15's activity_regularizer on tree.flatten(outputs)")
    x = np.arange(6, dtype="float32").reshape(2, 3) - 2

    def make(base):
        class Parts(base):
            def call(self, inputs):
                return (inputs * 2, {"b": inputs * 3, "a": inputs[:1] - 1})
        return Parts(activity_regularizer="l1")

    theirs, ours = make(keras.layers.Layer), make(layers.Layer)
    theirs(x)
    ours(x)
    expected = [float(t.detach().numpy()) for t in theirs.losses]
    assert len(expected) == 3       # the tuple's first, then the dict's values by sorted key: a, b
    np.testing.assert_allclose([float(t.numpy()) for t in ours.losses], expected, rtol=1e-6)


# ------------------------------------------------------------------------------------------ initial_state
def test_initial_state_as_nested_lists_is_converted_as_keras():
    keras = keras_on_torch("Keras 3.15's initial_state of Python lists")
    rng = np.random.default_rng(1)
    x = rng.normal(size=(1, 4, 2)).astype("float32")
    for name, state in [("GRU", [[[0.5, -1.0, 0.25]]]), ("LSTM", [[[0.5, -1.0, 0.25]], [[1, 2, 3]]])]:
        theirs, ours = _pair(keras, name, 3, (None, 4, 2), rng)
        expected = _numpy(theirs(x, initial_state=state))[0]
        got = _numpy(ours(x, initial_state=state))[0]
        assert got.shape == expected.shape == (1, 3)
        np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("state, error, words", [
    ([None], TypeError, ("Invalid type for argument `initial_state` of GRU '.*'. Expected a list of the starting "
                         "states, each a tensor or an array of numbers of shape \\(batch, units\\). Received an "
                         "entry None")),
    (["zeros"], TypeError, "Invalid type for argument `initial_state`.*Received an entry 'zeros'"),
    ([[[0.0, 0.0], [0.0]]], ValueError, "Invalid value for argument `initial_state`.*ragged"),
    ([np.zeros((1, 3)), np.zeros((1, 3))], ValueError,
     "Invalid value for argument `initial_state`.*Expected 1 tensor\\(s\\) of shape \\(1, 3\\)"),
])
def test_initial_state_that_is_not_states_is_refused_clearly(state, error, words):
    with pytest.raises(error, match=words):
        layers.GRU(3)(np.ones((1, 4, 2), dtype="float32"), initial_state=state)


@pytest.mark.parametrize("name, kwargs", [("LSTM", {}), ("GRU", {}), ("SimpleRNN", {"go_backwards": True}),
                                          ("GRU", {"reset_after": False, "zero_output_for_mask": True})])
def test_initial_state_with_a_mask_and_its_gradients_match_torch_autograd_of_keras(name, kwargs):
    keras = keras_on_torch("torch autograd through Keras 3.15's initial_state and mask")
    import torch

    rng = np.random.default_rng(2)
    x = rng.normal(size=(3, 4, 2)).astype("float32")
    mask = np.array([[False, True, False, True], [False, False, False, False], [True, True, True, True]])
    theirs, ours = _pair(keras, name, 3, (None, 4, 2), rng, return_sequences=True, return_state=True, **kwargs)
    count = 2 if name == "LSTM" else 1
    states = [rng.normal(size=(3, 3)).astype("float32") for _ in range(count)]
    states_theirs = [torch.tensor(s, requires_grad=True) for s in states]
    states_ours = [tg.tensor(s, requires_grad=True) for s in states]
    x_theirs, x_ours = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    expected = theirs(x_theirs, initial_state=states_theirs, mask=torch.tensor(mask))
    got = ours(x_ours, initial_state=states_ours, mask=mask)
    for e, g in zip(_numpy(expected), _numpy(got)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(got[1].numpy()[1], states[0][1])       # the fully masked row keeps its state
    weights = [rng.normal(size=tuple(t.shape)).astype("float32") for t in expected]
    sum((t * torch.tensor(w)).sum() for t, w in zip(expected, weights)).backward()
    total = None
    for t, w in zip(got, weights):
        part = (t * tg.tensor(w)).sum()
        total = part if total is None else total + part
    total.backward()
    for s_theirs, s_ours in zip(states_theirs, states_ours):
        assert np.abs(s_theirs.grad.numpy()).max() > 0
        np.testing.assert_allclose(s_ours.grad.numpy(), s_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------ masks
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [{}, {"go_backwards": True}, {"zero_output_for_mask": True}])
def test_a_fully_masked_row_matches_keras_outputs_and_gradients(name, kwargs):
    keras = keras_on_torch("torch autograd through Keras 3.15 with a fully masked row")
    import torch

    rng = np.random.default_rng(3)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    mask = np.array([[False] * 5, [True, False, False, True, False], [False, True, True, True, True]])
    theirs, ours = _pair(keras, name, 4, (None, 5, 2), rng, return_sequences=True, return_state=True, **kwargs)
    x_theirs, x_ours = torch.tensor(x, requires_grad=True), tg.tensor(x, requires_grad=True)
    expected = theirs(x_theirs, mask=torch.tensor(mask))
    got = ours(x_ours, mask=mask)
    for e, g in zip(_numpy(expected), _numpy(got)):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert np.all(got[0].numpy()[0] == 0) and np.all(got[1].numpy()[0] == 0)   # zero output and zero states
    weights = [rng.normal(size=tuple(t.shape)).astype("float32") for t in expected]
    sum((t * torch.tensor(w)).sum() for t, w in zip(expected, weights)).backward()
    total = None
    for t, w in zip(got, weights):
        part = (t * tg.tensor(w)).sum()
        total = part if total is None else total + part
    total.backward()
    np.testing.assert_array_equal(x_ours.grad.numpy()[~mask], 0.0)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
    for w_theirs, w_ours in zip(theirs.trainable_weights, ours.trainable_weights):
        np.testing.assert_allclose(w_ours.grad.numpy(), w_theirs.value.grad.numpy(), rtol=1e-4, atol=1e-5)


# ------------------------------------------------------------------------------------------ dtypes and activations
@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("dtype", ["float16", "float64"])
def test_float16_and_float64_layers_match_keras(name, dtype):
    keras = keras_on_torch("Keras 3.15's float16 and float64 recurrent layers")
    rng = np.random.default_rng(4)
    x = rng.normal(size=(2, 4, 3)).astype(dtype)
    # Keras' orthogonal initializer cannot run in float16 on torch's CPU (no QR): the weights are set anyway
    theirs, ours = _pair(keras, name, 3, (None, 4, 3), rng, dtype=dtype, return_sequences=True, return_state=True,
                         recurrent_initializer="zeros")
    expected, got = _numpy(theirs(x)), _numpy(ours(x))
    assert [w.dtype for w in ours.get_weights()] == [np.dtype(dtype)] * 3
    for e, g in zip(expected, got):
        assert g.dtype == e.dtype == np.dtype(dtype)
        if dtype == "float16":
            np.testing.assert_allclose(g, e, rtol=2e-3, atol=2e-3)
        else:       # Keras' float64 SimpleRNN is 1e-7 off its own formula (in float64): held to the formula below
            np.testing.assert_allclose(g, e, rtol=1e-6, atol=1e-6)
    if name == "SimpleRNN" and dtype == "float64":
        kernel, recurrent_kernel, bias = ours.get_weights()
        h = np.zeros((2, 3))
        for t in range(4):
            h = np.tanh(x[:, t] @ kernel + bias + h @ recurrent_kernel)
        np.testing.assert_allclose(got[1], h, rtol=1e-13, atol=1e-14)


@pytest.mark.parametrize("name, kwargs", [("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False})])
@pytest.mark.parametrize("recurrent_activation", ["hard_sigmoid", "relu"])
def test_other_gate_activations_match_keras(name, kwargs, recurrent_activation):
    keras = keras_on_torch("Keras 3.15's recurrent_activation")
    rng = np.random.default_rng(5)
    x = (3 * rng.normal(size=(2, 4, 3))).astype("float32")      # wide enough to reach hard_sigmoid's flat parts
    theirs, ours = _pair(keras, name, 3, (None, 4, 3), rng, scale=1.0, return_sequences=True,
                         recurrent_activation=recurrent_activation, **kwargs)
    expected, got = _numpy(theirs(x))[0], _numpy(ours(x))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)
    sigmoid, _ = _pair(keras, name, 3, (None, 4, 3), np.random.default_rng(5), scale=1.0, return_sequences=True,
                       **kwargs)
    assert not np.allclose(_numpy(sigmoid(x))[0], expected, atol=1e-3)      # the activation made a difference


# ------------------------------------------------------------------------------------------ dropout
@pytest.mark.parametrize("name, kwargs", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}),
                                          ("GRU", {"reset_after": False})])
@pytest.mark.parametrize("rate, recurrent_rate", [(0.3, 0.0), (0.3, 0.4), (0.0, 0.4)])
def test_dropout_with_the_same_masks_matches_keras(name, kwargs, rate, recurrent_rate):
    keras = keras_on_torch("Keras 3.15's dropout, its masks given to both layers")
    import torch

    rng = np.random.default_rng(6)
    batch, steps, features, units = 3, 4, 2, 3
    x = rng.normal(size=(batch, steps, features)).astype("float32")
    theirs, ours = _pair(keras, name, units, (None, steps, features), rng, dropout=rate,
                         recurrent_dropout=recurrent_rate, return_sequences=True, **kwargs)
    count = ours.cell.gates if recurrent_rate > 0 else 1      # one mask per gate with recurrent dropout, as Keras
    masks = {}
    for width, r in ((features, rate), (units, recurrent_rate)):
        masks[width] = [((rng.random((batch, width)) >= r) / (1 - r)).astype("float32") for _ in range(count)]

    def keras_masks(width):
        given = [torch.tensor(m) for m in masks[width]]
        return given if getattr(theirs.cell, "dropout_mask_count", None) else given[0]

    theirs.cell.get_dropout_mask = lambda inputs: keras_masks(features) if rate > 0 else None
    theirs.cell.get_recurrent_dropout_mask = lambda h: keras_masks(units) if recurrent_rate > 0 else None
    ours.cell._masks = lambda shape, r, like: (None if r == 0 else
                                                [constant_like(m, like) for m in masks[shape[1]]])
    expected = _numpy(theirs(x, training=True))[0]
    got = _numpy(ours(x, training=True))[0]
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got, _numpy(ours(x))[0], atol=1e-3)       # the masks made a difference


# ------------------------------------------------------------------------------------------ Keras 2 arguments
def test_implementation_is_dropped_and_states_and_sizes_read_as_keras():
    keras = keras_on_torch("Keras 3.15's implementation, states, state_size and output_size")
    for name in ("LSTM", "GRU"):
        for value in (1, 2):
            theirs = getattr(keras.layers, name)(2, implementation=value)
            ours = getattr(layers, name)(2, implementation=value)
            assert "implementation" not in theirs.get_config()
            assert ours.get_config() == {**theirs.get_config(), "name": ours.name}
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to SimpleRNN"):
        keras.layers.SimpleRNN(2, implementation=1)
    with pytest.raises(ValueError, match="Unrecognized keyword arguments passed to SimpleRNN"):
        layers.SimpleRNN(2, implementation=1)
    for name in ("SimpleRNN", "LSTM", "GRU"):
        theirs, ours = getattr(keras.layers, name)(3), getattr(layers, name)(3)
        x = np.ones((1, 2, 2), dtype="float32")
        theirs(x)
        ours(x)
        assert ours.states is theirs.states is None
        assert ours.cell.state_size == theirs.cell.state_size
        assert ours.cell.output_size == theirs.cell.output_size == 3
    assert layers.LSTM(3).cell.state_size == [3, 3]
