"""SimpleRNN, LSTM and GRU against Keras 3.15 on torch (outputs, states, masks, configs, training) and against torch
autograd of Keras' layer (gradients); dropout against the formula; bad arguments against the project's wording."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.saving import SavedFileError

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras

CASES = [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}),
         ("LSTM", {"use_bias": False}), ("GRU", {"use_bias": False}), ("LSTM", {"unit_forget_bias": False}),
         ("SimpleRNN", {"activation": "relu"}), ("LSTM", {"activation": "relu", "recurrent_activation": "tanh"})]


def _pair(keras, name, units, shape, rng, **kwargs):
    """A Keras layer and ours of the same arguments, built for ``shape``, with the same random weights."""
    theirs = getattr(keras.layers, name)(units, **kwargs)
    theirs.build(shape)
    ours = getattr(layers, name)(units, **kwargs)
    ours.build(shape)
    weights = [rng.normal(scale=0.5, size=w.shape).astype("float32") for w in theirs.get_weights()]
    theirs.set_weights(weights)
    ours.set_weights(weights)
    return theirs, ours


def _numpy(tensors):
    tensors = tensors if isinstance(tensors, (list, tuple)) else [tensors]
    return [t.detach().cpu().numpy() if hasattr(t, "detach") else t.numpy() for t in tensors]


@pytest.mark.parametrize("name, kwargs", CASES)
@pytest.mark.parametrize("return_sequences", [False, True])
@pytest.mark.parametrize("go_backwards", [False, True])
def test_outputs_and_states_match_keras(name, kwargs, return_sequences, go_backwards):
    keras = keras_on_torch("Keras 3.15's recurrent layers")
    rng = np.random.default_rng(0)
    x = rng.normal(size=(3, 6, 4)).astype("float32")
    theirs, ours = _pair(keras, name, 5, (None, 6, 4), rng, return_sequences=return_sequences, return_state=True,
                         go_backwards=go_backwards, **kwargs)
    expected, got = _numpy(theirs(x)), _numpy(ours(x))
    assert len(got) == len(expected) == (3 if name == "LSTM" else 2)
    for e, g in zip(expected, got):
        assert g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("shape", [(1, 4, 3), (2, 1, 3), (1, 1, 1)])
def test_batch_of_one_and_one_time_step_match_keras(name, shape):
    keras = keras_on_torch("Keras 3.15's recurrent layers")
    rng = np.random.default_rng(1)
    x = rng.normal(size=shape).astype("float32")
    theirs, ours = _pair(keras, name, 2, (None,) + shape[1:], rng, return_sequences=True)
    np.testing.assert_allclose(_numpy(ours(x))[0], _numpy(theirs(x))[0], rtol=1e-5, atol=1e-6)


def test_initial_state_matches_keras():
    keras = keras_on_torch("Keras 3.15's initial_state")
    rng = np.random.default_rng(2)
    x = rng.normal(size=(2, 3, 4)).astype("float32")
    h0, c0 = (rng.normal(size=(2, 3)).astype("float32") for _ in range(2))
    theirs, ours = _pair(keras, "LSTM", 3, (None, 3, 4), rng, return_state=True)
    expected = _numpy(theirs(x, initial_state=[h0, c0]))
    got = _numpy(ours(x, initial_state=[h0, c0]))
    for e, g in zip(expected, got):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    assert not np.allclose(got[0], _numpy(ours(x))[0], atol=1e-3)      # the states were used


@pytest.mark.parametrize("name, kwargs", [("SimpleRNN", {}), ("LSTM", {}), ("GRU", {}), ("GRU", {"reset_after": False}),
                                          ("LSTM", {"go_backwards": True, "return_sequences": True})])
@pytest.mark.parametrize("masked", [False, True])
def test_gradients_match_torch_autograd_of_the_keras_layer(name, kwargs, masked):
    keras = keras_on_torch("torch autograd through Keras 3.15's recurrent layers")
    import torch

    rng = np.random.default_rng(3)
    x = rng.normal(size=(2, 5, 3)).astype("float32")
    theirs, ours = _pair(keras, name, 4, (None, 5, 3), rng, **kwargs)
    out_shape = (2, 5, 4) if kwargs.get("return_sequences") else (2, 4)
    r = rng.normal(size=out_shape).astype("float32")
    mask = np.array([[True, False, True, True, False], [False, True, True, True, True]]) if masked else None
    x_theirs = torch.tensor(x, requires_grad=True)
    (theirs(x_theirs, mask=None if mask is None else torch.tensor(mask)) * torch.tensor(r)).sum().backward()
    x_ours = tg.tensor(x, requires_grad=True)
    (ours(x_ours, mask=mask) * tg.tensor(r)).sum().backward()
    if masked:      # a masked step's input gets no gradient
        np.testing.assert_array_equal(x_ours.grad.numpy()[~mask], 0.0)
    np.testing.assert_allclose(x_ours.grad.numpy(), x_theirs.grad.numpy(), rtol=1e-4, atol=1e-5)
    for w_theirs, w_ours in zip(theirs.trainable_weights, ours.trainable_weights):
        assert w_ours.name.split("/")[-1] == w_theirs.name
        np.testing.assert_allclose(w_ours.grad.numpy(), w_theirs.value.grad.numpy(), rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
@pytest.mark.parametrize("kwargs", [{"return_sequences": True}, {"return_sequences": True, "go_backwards": True},
                                    {"return_state": True}, {"return_sequences": True, "zero_output_for_mask": True}])
def test_masked_steps_are_skipped_as_keras(name, kwargs):
    keras = keras_on_torch("Keras 3.15's masked recurrent layers")
    rng = np.random.default_rng(4)
    x = rng.normal(size=(3, 5, 2)).astype("float32")
    x[0, 0] = 0     # a masked first step: output zeros there
    x[0, 3] = 0
    x[1, 4] = 0
    x[2, 1:3] = 0
    k_in = keras.Input((5, 2))
    k_layer = getattr(keras.layers, name)(3, **kwargs)
    theirs = keras.Model(k_in, k_layer(keras.layers.Masking()(k_in)))
    t_in = layers.Input((5, 2))
    t_layer = getattr(layers, name)(3, **kwargs)
    ours = models.Model(t_in, t_layer(layers.Masking()(t_in)))
    t_layer.set_weights(k_layer.get_weights())
    for e, g in zip(_numpy(theirs(x)), _numpy(ours(x))):
        np.testing.assert_allclose(g, e, rtol=1e-5, atol=1e-6)
    # unmasked, the numbers differ: the test sees the mask
    assert not np.allclose(_numpy(t_layer(x))[0], _numpy(ours(x))[0], atol=1e-4)


def test_embedding_mask_reaches_the_layer_and_passes_on_with_return_sequences():
    keras = keras_on_torch("Keras 3.15's Embedding(mask_zero=True) before an LSTM")
    indices = np.array([[3, 1, 0, 0], [2, 2, 2, 1]])
    theirs = keras.Sequential([keras.Input((4,), dtype="int32"), keras.layers.Embedding(5, 3, mask_zero=True),
                               keras.layers.LSTM(2, return_sequences=True), keras.layers.GRU(2)])
    ours = models.Sequential([layers.Input((4,), dtype="int32"), layers.Embedding(5, 3, mask_zero=True),
                              layers.LSTM(2, return_sequences=True), layers.GRU(2)])
    ours.set_weights(theirs.get_weights())
    np.testing.assert_allclose(ours.predict(indices, verbose=0), theirs.predict(indices, verbose=0), rtol=1e-5,
                               atol=1e-6)
    sequences = layers.LSTM(2, return_sequences=True)(layers.Embedding(5, 3, mask_zero=True)(indices))
    np.testing.assert_array_equal(sequences._keras_mask.numpy(), indices != 0)
    assert getattr(layers.LSTM(2)(layers.Embedding(5, 3, mask_zero=True)(indices)), "_keras_mask", None) is None


def test_conv1d_lstm_dense_model_trains_as_keras():
    keras = keras_on_torch("Keras 3.15's fit of Input -> Conv1D -> LSTM -> Dense")
    rng = np.random.default_rng(5)
    x = rng.normal(size=(16, 8, 2)).astype("float32")
    y = rng.normal(size=(16, 1)).astype("float32")
    theirs = keras.Sequential([keras.Input((8, 2)), keras.layers.Conv1D(4, 3, activation="relu"),
                               keras.layers.LSTM(5), keras.layers.Dense(1)])
    ours = models.Sequential([layers.Input((8, 2)), layers.Conv1D(4, 3, activation="relu"), layers.LSTM(5),
                              layers.Dense(1)])
    ours.set_weights(theirs.get_weights())
    theirs.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
    ours.compile(optimizer=tg.optimizers.SGD(0.1), loss="mse")
    expected = theirs.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0).history["loss"]
    got = ours.fit(x, y, batch_size=4, epochs=3, shuffle=False, verbose=0).history["loss"]
    np.testing.assert_allclose(got, expected, rtol=1e-4)
    assert got[-1] < got[0]
    for e, g in zip(theirs.get_weights(), ours.get_weights()):
        np.testing.assert_allclose(g, e, rtol=1e-4, atol=1e-5)


@pytest.mark.parametrize("make", [lambda m: m.LSTM(3, dropout=0.2, seed=3, return_state=True, go_backwards=True),
                                  lambda m: m.GRU(2, reset_after=False, recurrent_dropout=0.1),
                                  lambda m: m.SimpleRNN(4, activation="relu", kernel_regularizer="l2",
                                                        recurrent_constraint="non_neg"),
                                  lambda m: m.LSTM(2, unit_forget_bias=False, zero_output_for_mask=True)])
def test_config_round_trips_through_keras(make):
    keras = keras_on_torch("Keras 3.15's recurrent configs")
    ours = make(layers)
    config = ours.get_config()
    theirs = type(make(keras.layers)).from_config(config)
    keras_config = theirs.get_config()
    assert list(config) == list(keras_config)
    assert {key: value for key, value in config.items() if key != "name"} == \
           {key: value for key, value in keras_config.items() if key != "name"}
    again = type(ours).from_config(keras_config)
    assert again.get_config() == {**config, "name": again.name}


def test_symbolic_shapes_and_a_model_of_several_outputs():
    inputs = layers.Input((7, 3))
    output, h, c = layers.LSTM(4, return_sequences=True, return_state=True)(inputs)
    assert (output.shape, h.shape, c.shape) == ((None, 7, 4), (None, 4), (None, 4))
    model = models.Model(inputs, [output, h, c])
    got = model.predict(np.ones((2, 7, 3), dtype="float32"), verbose=0)
    assert [g.shape for g in got] == [(2, 7, 4), (2, 4), (2, 4)]
    np.testing.assert_allclose(got[0][:, -1], got[1], rtol=1e-6)


def test_weights_are_named_ordered_and_initialized_as_keras():
    layer = layers.LSTM(3, kernel_initializer="ones")
    layer.build((None, 5, 2))
    assert [w.name.split("/")[-1] for w in layer.weights] == ["kernel", "recurrent_kernel", "bias"]
    assert layer.cell.name.startswith("lstm_cell")
    assert layer.kernel is layer.cell.kernel
    np.testing.assert_array_equal(layer.bias.numpy(), [0, 0, 0, 1, 1, 1, 0, 0, 0, 0, 0, 0])   # unit_forget_bias
    u = layer.recurrent_kernel.numpy()          # orthogonal: (3, 12) with orthonormal rows
    np.testing.assert_allclose(u @ u.T, np.eye(3), atol=1e-5)
    gru = layers.GRU(3, reset_after=False)
    gru.build((None, 5, 2))
    assert gru.bias.shape == (9,)


def test_regularizers_and_trainable_reach_the_cell():
    keras = keras_on_torch("Keras 3.15's recurrent regularizers")
    rng = np.random.default_rng(6)
    x = rng.normal(size=(2, 3, 2)).astype("float32")
    kwargs = {"kernel_regularizer": "l2", "recurrent_regularizer": "l1", "bias_regularizer": "l2"}
    theirs, ours = _pair(keras, "GRU", 2, (None, 3, 2), rng, **kwargs)
    theirs(x)
    ours(x)
    np.testing.assert_allclose(sum(float(t.numpy()) for t in ours.losses),
                               sum(float(t.detach().numpy()) for t in theirs.losses), rtol=1e-5)
    ours.trainable = False
    assert not any(w.requires_grad for w in ours.weights)
    assert ours.trainable_weights == []


def test_dropout_uses_one_mask_for_every_step_scaled_as_keras():
    # kernel of ones, no recurrence, linear: each output is the sum of the kept inputs, times 1 / (1 - rate)
    layer = layers.SimpleRNN(1, activation=None, use_bias=False, kernel_initializer="ones",
                             recurrent_initializer="zeros", dropout=0.5, seed=1, return_sequences=True)
    x = np.ones((64, 5, 8), dtype="float32")
    out = layer(x, training=True).numpy()[..., 0]
    assert np.all(out == out[:, :1])                          # the same mask at every step
    assert set(np.unique(out)) <= {2.0 * k for k in range(9)}  # kept features count 2 (1 / (1 - 0.5))
    assert 0.3 < out.mean() / 8 < 1.7 and out.std() > 0
    np.testing.assert_array_equal(layer(x).numpy()[..., 0], 8.0)      # inference: no dropout


def test_recurrent_dropout_follows_the_formula():
    # h1 = 1 for each unit (x = 1, kernel ones, h0 = 0); h2 = 1 + sum_j m_j h1_j = 1 + S; h3 = 1 + S (1 + S)
    layer = layers.SimpleRNN(4, activation=None, use_bias=False, kernel_initializer="ones",
                             recurrent_initializer="ones", recurrent_dropout=0.5, seed=2, return_sequences=True)
    out = layer(np.ones((32, 3, 1), dtype="float32"), training=True).numpy()
    np.testing.assert_array_equal(out[:, 0], 1.0)
    s = out[:, 1, 0] - 1
    assert set(np.unique(s)) <= {2.0 * k for k in range(5)} and len(np.unique(s)) > 1
    np.testing.assert_allclose(out[:, 2], (1 + s * (1 + s))[:, None] * np.ones((1, 4)))


@pytest.mark.parametrize("name", ["LSTM", "GRU"])
def test_dropout_in_training_still_gives_gradients(name):
    layer = getattr(layers, name)(3, dropout=0.3, recurrent_dropout=0.3, seed=0)
    x = tg.tensor(np.random.default_rng(7).normal(size=(4, 5, 2)).astype("float32"), requires_grad=True)
    layer(x, training=True).sum().backward()
    assert all(w.grad is not None and np.isfinite(w.grad.numpy()).all() for w in layer.weights)
    assert not np.allclose(layer(x, training=True).numpy(), layer(x).numpy())


@pytest.mark.parametrize("make, error, words", [
    (lambda: layers.LSTM(0), ValueError, "Invalid value for argument `units`"),
    (lambda: layers.GRU(2.5), TypeError, "Invalid type for argument `units`"),
    (lambda: layers.SimpleRNN(2, dropout=-0.1), ValueError, "Invalid value for argument `dropout`"),
    (lambda: layers.LSTM(2, recurrent_dropout=1.0), ValueError, "Invalid value for argument `recurrent_dropout`"),
    (lambda: layers.LSTM(2, dropout="0.1"), TypeError, "Invalid type for argument `dropout`"),
    (lambda: layers.LSTM(2, stateful=True), ValueError, "Invalid value for argument `stateful`"),
    (lambda: layers.GRU(2, return_sequences="yes"), TypeError, "Invalid type for argument `return_sequences`"),
    (lambda: layers.LSTM(2, use_cudnn="never"), ValueError, "Invalid value for argument `use_cudnn`"),
    (lambda: layers.LSTM(2)(np.ones((2, 3))), ValueError, "expected ndim=3, found ndim=2"),
    (lambda: layers.GRU(2)(np.ones((2, 0, 3))), ValueError, "at least one time step"),
    (lambda: layers.LSTM(2)(np.ones((2, 3, 1)), initial_state=[np.zeros((2, 2))]), ValueError,
     "Invalid value for argument `initial_state`"),
    (lambda: layers.GRU(2)(np.ones((2, 3, 1)), mask=np.ones((2, 4), dtype=bool)), ValueError,
     "Invalid value for argument `mask`"),
])
def test_bad_arguments_are_refused_clearly(make, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        make()


def test_a_keras_file_with_an_lstm_loads_keras_weights_not_wrong_ones(tmp_path):
    """Keras keeps the weights under ``layers/lstm/cell/vars``: read from there (more in
    tests/test_keras_files_recurrent_s49_f6.py), and a file of other units is refused."""
    keras = keras_on_torch("a .keras file written by Keras 3.15")
    path = str(tmp_path / "m.keras")
    theirs = keras.Sequential([keras.Input((5, 2)), keras.layers.LSTM(3)])
    theirs.save(path)
    x = np.linspace(-1, 1, 10, dtype="float32").reshape(1, 5, 2)
    loaded = models.load_model(path)
    for mine, reference in zip(loaded.get_weights(), theirs.get_weights(), strict=True):
        np.testing.assert_array_equal(mine, reference)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-5, atol=1e-6)
    with pytest.raises(SavedFileError, match=r"has shape \(2, 8\), the file has \(2, 12\) under "
                                             r"'layers/lstm/cell/vars'"):
        models.Sequential([layers.Input((5, 2)), layers.LSTM(2)]).load_weights(path)
    ours = models.Sequential([layers.Input((5, 2)), layers.GRU(3)])          # .npz keeps them
    ours.save(str(tmp_path / "ours.tgc.npz"))
    x = np.ones((1, 5, 2), dtype="float32")
    loaded = models.load_model(str(tmp_path / "ours.tgc.npz"))
    for mine, saved in zip(loaded.get_weights(), ours.get_weights()):
        np.testing.assert_array_equal(mine, saved)                   # the weights, bit for bit
    # the predictions to float32 rounding: a full-suite run once saw the last bit differ (BLAS under load)
    np.testing.assert_allclose(loaded.predict(x, verbose=0), ours.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_every_backend_gives_numpy_s_outputs_and_gradients(name, backend):
    rng = np.random.default_rng(8)
    x = rng.normal(size=(2, 4, 3)).astype("float32")
    mask = np.array([[True, False, True, True], [True, True, True, False]])
    reference = getattr(layers, name)(3, return_sequences=True)
    reference.build((None, 4, 3))
    weights = [rng.normal(size=w.shape).astype("float32") for w in reference.get_weights()]
    reference.set_weights(weights)
    x_numpy = tg.tensor(x, requires_grad=True)
    expected = reference(x_numpy, mask=mask)
    expected.sum().backward()
    layer = getattr(layers, name)(3, return_sequences=True, dropout=0.5, recurrent_dropout=0.5)
    x_there = tg.tensor(x, requires_grad=True, backend=backend)
    layer(x_there, training=False)        # builds the weights on the input's backend
    layer.set_weights(weights)
    assert all(w.backend.name == x_there.backend.name for w in layer.weights)
    got = layer(x_there, mask=mask)
    got.sum().backward()
    np.testing.assert_allclose(got.numpy(), expected.numpy(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(x_there.grad.numpy(), x_numpy.grad.numpy(), rtol=1e-5, atol=1e-6)
    layer(x_there, mask=mask, training=True).sum().backward()      # dropout's masks on that backend too
