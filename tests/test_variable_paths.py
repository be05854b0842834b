"""A weight's ``name`` and ``path`` against Keras 3.15's ``variable.name`` and ``variable.path``: the name given to
``add_weight`` (``"kernel"``), and the path naming the layers inside whose build the weight was made
(``"lstm/lstm_cell/kernel"``, ``"outer/inner/dense/kernel"``), for each kind of layer, nested models and a custom
layer; the optimizer's variables after one step; and the weight files written by one side and read by the other
with their nested paths (``.weights.h5``, ``.keras``)."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

KERAS = "Keras 3 on torch is the reference for variable names and paths"
pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _custom_layer_class(lib):
    class Scaled(lib.layers.Layer):
        def build(self, input_shape):
            self.w = self.add_weight(shape=(input_shape[-1],), initializer="ones", name="w")
            self.v = self.add_weight(shape=(2,))        # unnamed: "variable", then "variable_1"
            self.u = self.add_weight(shape=(2,))

        def call(self, x):
            return x * self.w

    return Scaled


def _holder_layer_class(lib):
    class Holder(lib.layers.Layer):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.d1 = lib.layers.Dense(2, name="d1")
            self.d2 = lib.layers.Dense(2, name="d2")

        def build(self, input_shape):
            self.d1.build(input_shape)
            self.d2.build((None, 2))

        def call(self, x):
            return self.d2(self.d1(x))

    return Holder


def _make(lib, case):
    """The case's layer or model in Keras (``lib = keras``) or here (``lib = tg``), every layer named alike, built."""
    L = lib.layers
    simple = {"dense": (lambda: L.Dense(2, name="d"), (None, 3)),
              "conv1d": (lambda: L.Conv1D(2, 3, name="c"), (None, 5, 3)),
              "conv1d_transpose": (lambda: L.Conv1DTranspose(2, 3, name="ct"), (None, 5, 3)),
              "batch_normalization": (lambda: L.BatchNormalization(name="bn"), (None, 3)),
              "embedding": (lambda: L.Embedding(5, 2, name="e"), (None, 4)),
              "lstm": (lambda: L.LSTM(2, name="r"), (None, 4, 3)),
              "gru": (lambda: L.GRU(2, name="r"), (None, 4, 3)),
              "simple_rnn": (lambda: L.SimpleRNN(2, name="r"), (None, 4, 3)),
              "time_distributed": (lambda: L.TimeDistributed(L.Dense(2, name="inner"), name="td"), (None, 4, 3)),
              "custom add_weight": (lambda: _custom_layer_class(lib)(name="cust"), (None, 2)),
              "layer holding layers": (lambda: _holder_layer_class(lib)(name="holder"), (None, 3))}
    if case in simple:
        make, shape = simple[case]
        layer = make()
        layer.build(shape)
        return layer
    if case == "sequential in functional":
        inner = lib.Sequential([L.Input((3,)), L.Dense(4, name="a"), L.Dense(2, name="b")], name="inner")
        x = L.Input((3,))
        return lib.Model(x, L.Dense(1, name="out")(inner(x)), name="outer")
    if case == "functional in sequential":
        x = L.Input((3,))
        inner = lib.Model(x, L.Dense(2, name="fd")(x), name="finner")
        return lib.Sequential([L.Input((3,)), inner, L.Dense(1, name="o2")], name="outer")
    if case == "sequential in sequential, built later":
        inner = lib.Sequential([L.Dense(4, name="a")], name="inner")
        model = lib.Sequential([inner, L.Dense(1, name="out")], name="outer")
        model.build((None, 3))
        return model
    if case == "sequential called on data":
        model = lib.Sequential([L.Dense(4, name="a"), L.LSTM(2, name="r")], name="lazy")
        model(np.ones((2, 5, 3), "float32"))
        return model
    raise AssertionError(case)


CASES = ["dense", "conv1d", "conv1d_transpose", "batch_normalization", "embedding", "lstm", "gru", "simple_rnn",
         "time_distributed", "custom add_weight", "layer holding layers", "sequential in functional",
         "functional in sequential", "sequential in sequential, built later", "sequential called on data"]


@pytest.mark.parametrize("case", CASES)
def test_names_and_paths_match_keras(case):
    keras = keras_on_torch(KERAS)
    ours, theirs = _make(tg, case), _make(keras, case)
    assert [(w.name, w.path) for w in ours.weights] == [_numbered_within_the_layer(w, theirs) for w in theirs.weights]


def _numbered_within_the_layer(weight, layer):
    """Keras' ``(name, path)`` of ``weight`` of ``layer``, an unnamed weight numbered within its layer as here
    (``"variable"``, ``"variable_1"``): Keras numbers them over the whole process (``"variable_47"``), which depends
    on what ran before (a documented difference)."""
    if not weight.name.startswith("variable"):
        return weight.name, weight.path
    unnamed = [w for w in layer.weights if w.name.startswith("variable")]
    index = next(i for i, w in enumerate(unnamed) if w is weight)
    name = "variable" if index == 0 else f"variable_{index}"
    return name, weight.path.rpartition("/")[0] + "/" + name


def test_hand_written_paths():
    """Without Keras: the paths read off the nesting, written by hand."""
    d = tg.layers.Dense(2, name="d")
    d.build((None, 3))
    assert (d.kernel.name, d.kernel.path, d.bias.path) == ("kernel", "d/kernel", "d/bias")
    lstm = tg.layers.LSTM(2, name="r")
    lstm.build((None, 4, 3))
    assert [w.path for w in lstm.weights] == ["r/lstm_cell/kernel", "r/lstm_cell/recurrent_kernel",
                                              "r/lstm_cell/bias"]
    # a layer keeps the path of its first build when a model holds it later (Keras' _parent_path)
    model = tg.Sequential([tg.layers.Input((3,)), d, tg.layers.Dense(1, name="e")], name="m")
    assert [w.path for w in model.weights] == ["d/kernel", "d/bias", "m/e/kernel", "m/e/bias"]
    assert "path='d/kernel'" in repr(d.kernel)          # Keras' repr: <Variable path=d/kernel, ...>


def test_optimizer_variables_after_one_step_match_keras():
    keras = keras_on_torch(KERAS)
    names = []
    for lib in (tg, keras):
        model = _make(lib, "sequential in functional")
        model.compile(lib.optimizers.Adam(name="adam"), "mse")     # (Keras numbers default names: adam_3)
        model.fit(np.ones((4, 3), "float32"), np.ones((4, 1), "float32"), epochs=1, verbose=0)
        names.append([(v.name, v.path) for v in model.optimizer.variables])
    assert names[0] == names[1]
    assert ("inner_a_kernel_momentum", "adam/inner_a_kernel_momentum") in names[0]


def _weights_of(lib, case, seed):
    model = _make(lib, case)
    rng = np.random.default_rng(seed)
    model.set_weights([rng.normal(size=w.shape).astype("float32") for w in model.get_weights()])
    return model


@pytest.mark.parametrize("case", ["sequential in functional", "functional in sequential",
                                  "sequential called on data"])
@pytest.mark.parametrize("suffix", [".weights.h5", ".keras"])
def test_files_both_ways_with_keras(case, suffix, tmp_path):
    """Keras writes, we read; we write, Keras reads: the same predictions as the model written. A ``.keras`` file
    loads into weights with the paths Keras gives them when it loads the same file (Keras builds each layer of a
    loaded Sequential from its build_config before the model holds it: ``"a/kernel"``, not ``"lazy/a/kernel"``)."""
    keras = keras_on_torch(KERAS)
    x = np.random.default_rng(0).normal(size=(2, 5, 3) if case == "sequential called on data" else (2, 3))
    x = x.astype("float32")
    for writer, seed in ((keras, 1), (tg, 2)):
        source = _weights_of(writer, case, seed)
        path = str(tmp_path / f"{writer.__name__}{suffix}")
        expected = np.asarray(source.predict(x, verbose=0))
        if suffix == ".keras":
            source.save(path)
        else:
            source.save_weights(path)
        loaded = {}
        for reader in (tg, keras):
            if suffix == ".keras":
                loaded[reader] = reader.models.load_model(path)
            else:
                loaded[reader] = _make(reader, case)
                loaded[reader].load_weights(path)
            np.testing.assert_allclose(np.asarray(loaded[reader].predict(x, verbose=0)), expected, rtol=1e-5,
                                       atol=1e-6)
        assert [(w.name, w.path) for w in loaded[tg].weights] == [(w.name, w.path) for w in loaded[keras].weights]


def test_error_naming_a_weight_uses_its_path():
    model = tg.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2, name="d")], name="m")
    with pytest.raises(ValueError, match="m/d/kernel"):
        model.layers[0].set_weights([np.ones((4, 2)), np.ones(2)])


@pytest.mark.parametrize("copier", ["clone_model", "model_from_json"])
@pytest.mark.parametrize("case", ["sequential in functional", "functional in sequential", "sequential called on data"])
def test_cloned_and_rebuilt_models_have_kerass_paths(copier, case):
    """``clone_model`` builds a cloned Sequential inside its scope (``"lazy/a/kernel"``); ``model_from_json`` builds
    each layer from its build_config first, outside it (``"a/kernel"``): as Keras 3.15, both."""
    keras = keras_on_torch(KERAS)
    paths = []
    for lib in (tg, keras):
        model = _make(lib, case)
        copy = lib.models.clone_model(model) if copier == "clone_model" else lib.models.model_from_json(
            model.to_json())
        paths.append([(w.name, w.path) for w in copy.weights])
    assert paths[0] == paths[1]
