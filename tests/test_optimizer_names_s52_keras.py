"""Default optimizer names are made unique as Keras 3.15 makes them (``auto_name``): ``adam``, ``adam_1``,
``adam_2``, ... in a session, by the counter that names layers; every ``Adam()`` was ``adam`` before. Checked
against Keras itself (names, ``get_config()["name"]``, ``optimizer.variables`` paths, ``.keras`` files both ways)
and against hand-written names on every backend."""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import models, optimizers

REASON = "Keras 3 is the reference of the optimizers' default names"


def _fitted(lib, optimizer):
    inputs = lib.layers.Input((3,))
    model = lib.Model(inputs, lib.layers.Dense(2, name="d")(inputs))
    model.compile(optimizer, "mse")
    model.fit(np.ones((4, 3), "float32"), np.ones((4, 2), "float32"), verbose=0)
    return model


def test_names_are_counted_per_class(fresh_names, on_backend):
    """Hand-written: each class counts its own; a name given (or read from a config) counts nothing; a name string
    given to compile makes an optimizer like any other."""
    assert [optimizers.Adam().name for _ in range(3)] == ["adam", "adam_1", "adam_2"]
    assert [optimizers.SGD().name, optimizers.Adam(name="mine").name, optimizers.get("adam").name] == \
        ["sgd", "mine", "adam_3"]
    config = optimizers.Adam().get_config()
    assert config["name"] == "adam_4"
    assert optimizers.Adam.from_config(config).name == "adam_4" and optimizers.Adam().name == "adam_5"
    model = _fitted(tg, "adam")
    assert model.optimizer.name == "adam_6"
    paths = [v.path for v in model.optimizer.variables]
    assert paths[:3] == ["adam_6/iteration", "adam_6/learning_rate", "adam_6/d_kernel_momentum"]
    assert {v.backend.name for v in model.optimizer.variables} == {on_backend}
    wrapped = optimizers.LossScaleOptimizer(optimizers.SGD())
    assert (wrapped.name, wrapped.inner_optimizer.name) == ("loss_scale_optimizer", "sgd_1")


@pytest.mark.filterwarnings("ignore::DeprecationWarning")
def test_names_and_paths_are_keras(fresh_names):
    keras = keras_on_torch(REASON)
    keras.backend.clear_session()
    for name in ("Adam", "SGD", "RMSprop", "AdamW", "LossScaleOptimizer"):
        for _ in range(3):
            if name == "LossScaleOptimizer":
                theirs = keras.optimizers.LossScaleOptimizer(keras.optimizers.SGD())
                ours = optimizers.LossScaleOptimizer(optimizers.SGD())
            else:
                theirs, ours = getattr(keras.optimizers, name)(), getattr(optimizers, name)()
            assert ours.name == theirs.name == ours.get_config()["name"] == theirs.get_config()["name"]
    theirs, ours = _fitted(keras, "adam"), _fitted(tg, "adam")      # a name string: a new Adam in both
    assert ours.optimizer.name == theirs.optimizer.name == "adam_3"
    assert [v.path for v in ours.optimizer.variables] == [v.path for v in theirs.optimizer.variables]


@pytest.mark.filterwarnings("ignore::DeprecationWarning", "ignore::UserWarning")
def test_keras_files_keep_the_numbered_name_both_ways(tmp_path, fresh_names):
    pytest.importorskip("h5py", reason="h5py reads and writes the weights of .keras files")
    keras = keras_on_torch(REASON)
    keras.backend.clear_session()
    keras.optimizers.Adam(), optimizers.Adam()      # the next ones are adam_1
    theirs, ours = _fitted(keras, keras.optimizers.Adam()), _fitted(tg, optimizers.Adam())
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    from_keras = models.load_model(tmp_path / "theirs.keras")
    from_ours = keras.saving.load_model(tmp_path / "ours.keras")
    assert from_keras.optimizer.name == from_ours.optimizer.name == "adam_1"
    assert [v.path for v in from_keras.optimizer.variables] == [v.path for v in from_ours.optimizer.variables]
    for got, expected in zip(from_keras.optimizer.variables, theirs.optimizer.variables):
        np.testing.assert_allclose(got.numpy(), keras.ops.convert_to_numpy(expected), rtol=1e-6)
    assert optimizers.Adam().name == "adam_2"       # loading counted nothing, as in Keras
    assert keras.optimizers.Adam().name == "adam_2"
