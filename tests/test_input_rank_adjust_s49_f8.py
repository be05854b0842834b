"""Data one axis off an ``Input``'s rank, by a trailing axis of size 1 (found by a tester, s49): Keras 3 brings it to
the Input's rank (``keras/src/models/functional.py``, ``Functional._adjust_input_rank``: one axis more, of size 1 at
the end, is squeezed; one axis fewer, where the Input's last size is 1, is added), for ``predict``, ``fit``,
``evaluate`` and a call on data, for each input of a model, and inside a ``Sequential`` (whose ``call`` runs the
functional model Keras builds of it). Every other rank is refused. Each case is checked against Keras 3 itself."""
from types import SimpleNamespace

import numpy as np
import pytest
from helpers import keras_on_torch

from tinygradconv import layers, models
from tinygradconv.tensor import Tensor

OURS = SimpleNamespace(layers=layers, Model=models.Model, Sequential=models.Sequential)   # as keras.* names them
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras

# (the Input's shape, the data's shape, the layer after it)
ADJUSTED = [
    ((8, 1), (4, 8), lambda lib: lib.layers.Conv1D(2, 3)),          # a univariate series for a Conv1D: (4, 6, 2)
    ((8,), (4, 8, 1), lambda lib: lib.layers.Dense(2)),             # squeezed: (4, 2)
    ((8, 3), (4, 8, 3, 1), lambda lib: lib.layers.Dense(2)),
    ((1,), (4,), lambda lib: lib.layers.Dense(2)),
    ((8, 1), (4, 8, 1, 1), lambda lib: lib.layers.Dense(2)),
    ((None, 1), (4, 7), lambda lib: lib.layers.Dense(2)),          # a length of None
]


def _keras():
    return keras_on_torch("Keras 3 is the reference for the rank of a model's data")


def _functional(lib, shape, make):
    i = lib.layers.Input(shape)
    return lib.Model(i, make(lib)(i))


def _sequential(lib, shape, make):
    return lib.Sequential([lib.layers.Input(shape), make(lib)])


@pytest.mark.parametrize("build", [_functional, _sequential], ids=["functional", "sequential"])
@pytest.mark.parametrize("shape, data_shape, make", ADJUSTED, ids=[f"{s}-{d}" for s, d, _ in ADJUSTED])
def test_data_one_trailing_axis_of_1_off_runs_as_keras(build, shape, data_shape, make):
    keras = _keras()
    theirs, ours = build(keras, shape, make), build(OURS, shape, make)
    ours.set_weights(theirs.get_weights())
    x = np.random.default_rng(0).normal(size=data_shape).astype("float32")
    expected = theirs.predict(x, verbose=0)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours(x).numpy(), expected, rtol=1e-5, atol=1e-6)            # a call on data
    np.testing.assert_allclose(ours(Tensor(x)).numpy(), expected, rtol=1e-5, atol=1e-6)    # and on a Tensor


def _series_model(lib, kind):
    conv, flatten, dense = lib.layers.Conv1D(2, 3), lib.layers.Flatten(), lib.layers.Dense(1)
    if kind == "sequential":
        return lib.Sequential([lib.layers.Input((8, 1)), conv, flatten, dense])
    i = lib.layers.Input((8, 1))
    return lib.Model(i, dense(flatten(conv(i))))


@pytest.mark.parametrize("kind", ["functional", "sequential"])
def test_fit_and_evaluate_on_a_univariate_series_as_keras(kind):
    """``(n, steps)`` data for ``Input((steps, 1))``: the losses of ``fit`` (with validation data) and ``evaluate``
    are Keras' own."""
    keras = _keras()
    theirs, ours = _series_model(keras, kind), _series_model(OURS, kind)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(1)
    x, y = rng.normal(size=(6, 8)).astype("float32"), rng.normal(size=(6, 1)).astype("float32")
    for model in (theirs, ours):
        model.compile(optimizer="sgd", loss="mse")
    kwargs = {"epochs": 3, "batch_size": 2, "shuffle": False, "validation_data": (x[:2], y[:2]), "verbose": 0}
    expected = theirs.fit(x, y, **kwargs).history
    history = ours.fit(x, y, **kwargs).history
    for key in ("loss", "val_loss"):
        np.testing.assert_allclose(history[key], expected[key], rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(ours.evaluate(x, y, verbose=0), theirs.evaluate(x, y, verbose=0), rtol=1e-4)
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-4, atol=1e-6)


def _two_inputs(lib, as_dict):
    a, b = lib.layers.Input((8, 1), name="a"), lib.layers.Input((3,), name="b")
    out = lib.layers.Dense(2)(lib.layers.Concatenate()([lib.layers.Flatten()(a), b]))
    return lib.Model({"a": a, "b": b} if as_dict else [a, b], out)


@pytest.mark.parametrize("as_dict", [False, True], ids=["list_model", "dict_model"])
def test_each_input_of_a_model_is_adjusted_as_keras(as_dict):
    """Each input on its own: ``(4, 8)`` for ``Input((8, 1))`` gains an axis while ``(4, 3, 1)`` for ``Input((3,))``
    loses one, given as a list or as a dict of data."""
    keras = _keras()
    theirs, ours = _two_inputs(keras, as_dict), _two_inputs(OURS, as_dict)
    ours.set_weights(theirs.get_weights())
    rng = np.random.default_rng(2)
    a, b = rng.normal(size=(4, 8)).astype("float32"), rng.normal(size=(4, 3, 1)).astype("float32")
    expected = theirs.predict({"a": a, "b": b}, verbose=0)
    np.testing.assert_allclose(ours.predict({"a": a, "b": b}, verbose=0), expected, rtol=1e-5, atol=1e-6)
    if not as_dict:
        np.testing.assert_allclose(theirs.predict([a, b], verbose=0), expected, rtol=1e-5, atol=1e-6)
        np.testing.assert_allclose(ours.predict([a, b], verbose=0), expected, rtol=1e-5, atol=1e-6)
    # the second input one axis off by a size of 2: refused by both, ours naming that input and its shape
    with pytest.raises(ValueError):
        theirs.predict({"a": a, "b": np.zeros((4, 3, 2), "float32")}, verbose=0)
    with pytest.raises(ValueError, match=r"Input 'b' of model .* expects shape \(None, 3\) .* data of shape "
                                         r"\(4, 3, 2\) \(data with one axis more, of size 1 at the end"):
        ours.predict({"a": a, "b": np.zeros((4, 3, 2), "float32")}, verbose=0)


def test_integer_data_for_an_embedding_gains_its_axis_as_keras():
    keras = _keras()

    def build(lib):
        i = lib.layers.Input((8, 1), dtype="int32")
        return lib.Model(i, lib.layers.Embedding(5, 2)(i))

    theirs, ours = build(keras), build(OURS)
    ours.set_weights(theirs.get_weights())
    x = np.arange(32).reshape(4, 8) % 5
    expected = theirs.predict(x, verbose=0)
    assert expected.shape == (4, 8, 1, 2)
    np.testing.assert_allclose(ours.predict(x, verbose=0), expected, rtol=1e-6)


def test_a_sequential_built_by_its_first_call_adjusts_later_data_as_keras():
    """Keras builds a ``Sequential`` without an ``Input`` on its first data, then brings later data to that rank."""
    keras = _keras()
    theirs, ours = keras.Sequential([keras.layers.Dense(2)]), models.Sequential([layers.Dense(2)])
    x = np.random.default_rng(3).normal(size=(4, 8)).astype("float32")
    theirs(x)
    ours(x)
    ours.set_weights(theirs.get_weights())
    later = np.random.default_rng(4).normal(size=(3, 8, 1)).astype("float32")
    np.testing.assert_allclose(ours(later).numpy(), theirs(later).detach().numpy(), rtol=1e-5, atol=1e-6)
    # another rank is refused, as Keras ("Invalid input shape"), where the Dense alone would take (3, 2, 8)
    with pytest.raises(ValueError):
        theirs(np.zeros((3, 2, 8), "float32"))
    with pytest.raises(ValueError, match=r"expects data of shape \(4, 8\) \(any batch size.*Received data of shape "
                                         r"\(3, 2, 8\)"):
        ours(np.zeros((3, 2, 8), "float32"))


# (the Input's shape, the data's shape): ranks Keras does not adjust, refused by both
REFUSED = [((8,), (4, 8, 2)), ((8, 1), (4,)), ((8, 1, 1), (4, 8)), ((8, 2), (4, 8)), ((8,), (4,))]


@pytest.mark.parametrize("shape, data_shape", REFUSED, ids=[f"{s}-{d}" for s, d in REFUSED])
def test_other_ranks_are_refused_naming_the_input_shape(shape, data_shape):
    keras = _keras()
    x = np.zeros(data_shape, "float32")
    for build in (_functional, _sequential):
        with pytest.raises(ValueError):
            build(keras, shape, lambda lib: lib.layers.Dense(2)).predict(x, verbose=0)
    expected = str((None, *shape)).replace("(", r"\(").replace(")", r"\)")
    received = str(data_shape).replace("(", r"\(").replace(")", r"\)")
    with pytest.raises(ValueError, match=rf"expects shape {expected} \(None: any size\), but received data of shape "
                                         rf"{received} \(data with one axis more"):
        _functional(OURS, shape, lambda lib: lib.layers.Dense(2)).predict(x, verbose=0)
    sequential = _sequential(OURS, shape, lambda lib: lib.layers.Dense(2))
    with pytest.raises(ValueError, match=rf"Invalid value for the input of Sequential model '{sequential.name}': it "
                                         rf"expects data of shape {expected} .*Received data of shape {received}"):
        sequential.predict(x, verbose=0)
    with pytest.raises(ValueError, match=rf"Sequential model .* expects data of shape {expected}"):
        sequential(x)


def test_a_symbolic_tensor_is_not_adjusted():
    """Keras adjusts data only: a model on ``Input((8, 1))`` called on a symbolic ``(None, 8)`` tensor fails in
    Keras (in its ``Conv1D``) and is refused here, naming the model's input shape."""
    keras = _keras()
    with pytest.raises(ValueError):
        _functional(keras, (8, 1), lambda lib: lib.layers.Conv1D(2, 3))(keras.layers.Input((8,)))
    for build in (_functional, _sequential):
        model = build(OURS, (8, 1), lambda lib: lib.layers.Conv1D(2, 3))
        with pytest.raises(ValueError, match=r"expects (inputs of )?shape \(None, 8, 1\)"):
            model(layers.Input((8,)))
