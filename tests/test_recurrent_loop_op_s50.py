"""Session 50: the recurrent layers' loop as one op (``ops/recurrent.py``), checked against the op-by-op loop
(``unroll=True``, made of ops with their own gradient tests) in every configuration the layers take, on every
backend; the configurations the op does not serve take the op-by-op loop; the cells are named as Keras names them.
(The ops themselves are gradient-checked by test_registry_gradcheck.py and compared with a torch loop at their
special points by test_special_points.py.)"""
import itertools

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models

LAYERS = {"SimpleRNN": layers.SimpleRNN, "LSTM": layers.LSTM, "GRU": layers.GRU}
STATES = {"SimpleRNN": 1, "LSTM": 2, "GRU": 1}


def _op_names(tensor):
    """The names of the ops in the graph that made ``tensor``."""
    names, seen, stack = set(), set(), [tensor]
    while stack:
        t = stack.pop()
        if t is None or id(t) in seen or t._ctx is None:
            continue
        seen.add(id(t))
        names.add(t._ctx.fn.name)
        stack.extend(t._ctx.inputs)
    return names


def _run(name, kwargs, x, weights, unroll, *, backend="numpy", dtype="float64", mask=None, initial=None,
         training=False):
    """Outputs, then the gradients of the input, the weights and the initial states, of a fixed weighted sum of
    every output (so that every output and state sends its own gradient back)."""
    layer = LAYERS[name](3, unroll=unroll, dtype=dtype, **kwargs)
    xt = tg.Tensor(x, dtype=dtype, backend=backend, requires_grad=True)
    layer.build(xt.shape)
    layer.set_weights(weights)
    states = None if initial is None else [tg.Tensor(s, dtype=dtype, backend=backend, requires_grad=True)
                                           for s in initial]
    keep = None if mask is None else tg.Tensor(mask, dtype="bool", backend=backend)
    result = layer(xt, initial_state=states, mask=keep, training=training)
    result = result if isinstance(result, tuple) else (result,)
    ops = _op_names(result[0])
    loss = sum((r * tg.Tensor(np.cos(np.arange(r.size)).reshape(r.shape), dtype=dtype, backend=backend)).sum()
               for r in result)
    loss.backward()
    arrays = [r.numpy() for r in result] + [xt.grad.numpy()] + [w.grad.numpy() for w in layer.weights]
    return arrays + ([] if states is None else [s.grad.numpy() for s in states]), ops


def _configurations(name):
    extra = {"SimpleRNN": [{}, {"activation": "relu"}, {"activation": None, "use_bias": False}],
             "LSTM": [{}, {"activation": "relu", "recurrent_activation": "tanh"}, {"use_bias": False}],
             "GRU": [{}, {"reset_after": False}, {"use_bias": False}, {"use_bias": False, "reset_after": False}]}[name]
    flags = itertools.product([False, True], repeat=4)   # return_sequences, return_state, go_backwards, zero_output
    cases = []
    for i, (kwargs, (sequences, state, backwards, zero)) in enumerate(itertools.product(extra, flags)):
        cases.append((dict(kwargs, return_sequences=sequences, return_state=state, go_backwards=backwards,
                           zero_output_for_mask=zero), i % 2 == 0, i % 3 == 0, i % 4 < 2))
    return cases


@pytest.mark.parametrize("name", list(LAYERS))
def test_the_loop_op_matches_the_op_by_op_loop_in_every_configuration(name, on_backend):
    backend = on_backend
    rng = np.random.default_rng(0)
    x = rng.standard_normal((4, 6, 5))
    mask = rng.random((4, 6)) > 0.3
    mask[0, :3] = False                 # leading masked steps: the output is zeros there, the state the initial one
    mask[1, -1] = False
    mask[2] = False                     # a fully masked row
    for kwargs, masked, given_states, dropout in _configurations(name):
        if dropout:                     # the same seed: the same masks for both loops
            kwargs = dict(kwargs, dropout=0.3, recurrent_dropout=0.4, seed=5)
        layer = LAYERS[name](3, **kwargs)
        layer.build((4, 6, 5))
        weights = [0.7 * rng.standard_normal(w.shape) for w in layer.get_weights()]
        initial = [rng.standard_normal((4, 3)) for _ in range(STATES[name])] if given_states else None
        common = {"backend": backend, "mask": mask if masked else None, "initial": initial, "training": dropout}
        ours, ops = _run(name, kwargs, x, weights, False, **common)
        reference, reference_ops = _run(name, kwargs, x, weights, True, **common)
        op = {"SimpleRNN": "simple_rnn_sequence", "LSTM": "lstm_sequence", "GRU": "gru_sequence"}[name]
        assert op in ops and op not in reference_ops and "matmul" in reference_ops, kwargs
        assert len(ours) == len(reference)
        for a, b in zip(ours, reference):
            np.testing.assert_allclose(a, b, rtol=1e-10, atol=1e-12, err_msg=str(kwargs))


@pytest.mark.parametrize("name", list(LAYERS))
def test_float32_loop_op_matches_the_op_by_op_loop(name):
    rng = np.random.default_rng(1)
    x = rng.standard_normal((8, 30, 6)).astype("float32")
    layer = LAYERS[name](3)
    layer.build(x.shape)
    weights = [w.astype("float32") for w in layer.get_weights()]
    ours, ops = _run(name, {"return_sequences": True}, x, weights, False, dtype="float32")
    assert any(name.endswith("_sequence") for name in ops)
    reference, _ = _run(name, {"return_sequences": True}, x, weights, True, dtype="float32")
    assert all(a.dtype == np.float32 for a in ours)
    for a, b in zip(ours, reference):
        np.testing.assert_allclose(a, b, rtol=2e-5, atol=2e-6)


@pytest.mark.parametrize("kwargs, dtype", [({}, "float16"), ({"recurrent_activation": "hard_sigmoid"}, "float32"),
                                           ({"activation": "softsign"}, "float32"), ({"unroll": True}, "float32")])
def test_what_the_op_does_not_compute_takes_the_op_by_op_loop(kwargs, dtype):
    x = tg.tensor(np.ones((2, 3, 4)), dtype=dtype, requires_grad=True)
    out = layers.LSTM(2, dtype=dtype, **kwargs)(x)
    ops = _op_names(out)
    assert "lstm_sequence" not in ops and {"matmul", "piece"} <= ops      # (split: pieces)
    assert str(out.dtype) == dtype


def test_the_loop_is_one_node_of_the_graph():
    x = tg.tensor(np.ones((2, 50, 4)), dtype="float32", requires_grad=True)
    out = layers.LSTM(3, name="lstm")(x)
    from tinygradconv.viz.graph import graph_nodes

    ops = [n for n in graph_nodes(out.sum()) if n.kind != "tensor"]
    assert len(ops) < 10                                  # was 35 per step, 1,750 for 50 steps
    assert _op_names(out) >= {"lstm_sequence", "matmul", "add", "getitem"}


def test_a_model_with_an_lstm_still_draws(tmp_path):
    pytest.importorskip("matplotlib")
    import matplotlib.pyplot as plt

    import tinygradconv.viz as v

    model = models.Sequential([layers.Input((4, 2)), layers.LSTM(3, name="lstm"), layers.Dense(1, name="dense")])
    loss = (model(np.ones((2, 4, 2), "float32")) ** 2).mean()
    ax = v.plot_graph(loss)
    titles = {t.get_text().split("\n")[0] for t in ax.texts}
    assert any("lstm_sequence" in title for title in titles), titles
    assert {"lstm/initial h", "lstm/initial c"} <= titles
    ax.figure.savefig(tmp_path / "lstm.png")
    assert (tmp_path / "lstm.png").stat().st_size > 1000
    plt.close(ax.figure)


def test_cells_are_named_as_keras_names_them():
    keras = keras_on_torch("Keras 3.15 names the cells of its recurrent layers")
    make = [lambda m: m.LSTM(4, return_sequences=True), lambda m: m.LSTM(4, return_sequences=True),
            lambda m: m.GRU(3, return_sequences=True), lambda m: m.LSTM(2, return_sequences=True),
            lambda m: m.SimpleRNN(2, return_sequences=True), lambda m: m.SimpleRNN(2)]
    theirs = keras.Sequential([keras.Input((5, 3)), *[f(keras.layers) for f in make]])
    ours = models.Sequential([layers.Input((5, 3)), *[f(layers) for f in make]])
    assert [layer.cell.name for layer in ours.layers] == [layer.cell.name for layer in theirs.layers]
    assert [w.name for w in ours.layers[1].weights] == ["kernel", "recurrent_kernel", "bias"]
    # Keras' paths: "<model>/<layer>/lstm_cell/kernel" (the layers' names depend on what Keras made before)
    assert [w.path.split("/", 2)[2] for w in theirs.layers[1].weights] == [w.path.split("/", 2)[2] for w in
                                                                           ours.layers[1].weights] \
        == ["lstm_cell/kernel", "lstm_cell/recurrent_kernel", "lstm_cell/bias"]


def test_keras_files_round_trip_with_the_cells_named_as_keras(tmp_path):
    keras = keras_on_torch("Keras 3.15 reads and writes the .keras files")
    from tinygradconv.keras_format import load_keras, save_keras

    x = np.random.default_rng(2).standard_normal((2, 5, 3)).astype("float32")
    ours = models.Sequential([layers.Input((5, 3)), layers.LSTM(4, return_sequences=True), layers.LSTM(4),
                              layers.Dense(1)])
    save_keras(ours, tmp_path / "ours.keras")
    theirs = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(np.asarray(theirs(x).detach()), ours(x).numpy(), rtol=1e-5, atol=1e-6)
    theirs.save(tmp_path / "theirs.keras")
    back = load_keras(tmp_path / "theirs.keras")
    assert [layer.cell.name for layer in back.layers[:2]] == ["lstm_cell", "lstm_cell"]
    np.testing.assert_allclose(back(x).numpy(), ours(x).numpy(), rtol=1e-6, atol=1e-7)
