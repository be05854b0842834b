"""Keras 3's top-level names (session 50): Keras code written as ``keras.Sequential([keras.Input(...), ...])`` runs
after changing only ``import keras`` to ``import tinygradconv as keras``. The names are the submodules' own objects,
loaded on first use: ``import tinygradconv`` still loads only the engine (checked in a fresh interpreter). The
reference for the list of names is Keras 3.15's top level (``dir(keras)``)."""
import os
import subprocess
import sys

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg

NAMES = {"Sequential": "models", "Model": "models", "Input": "layers", "Layer": "layers", "Loss": "losses",
         "Metric": "metrics", "Optimizer": "optimizers", "Initializer": "initializers",
         "Regularizer": "regularizers"}
MODULES = ["layers", "models", "ops", "optimizers", "losses", "metrics", "callbacks", "saving", "utils",
           "initializers", "regularizers", "activations", "constraints", "datasets", "random", "config"]


@pytest.mark.parametrize("name", sorted(NAMES))
def test_top_level_name_is_the_submodules_object(name):
    module = getattr(tg, NAMES[name])
    assert getattr(tg, name) is getattr(module, name)


def test_the_names_are_keras_top_level_names():
    keras = keras_on_torch("Keras 3.15's top level is the reference of the names")
    assert set(NAMES) | set(MODULES) <= set(dir(keras))


def test_keras_code_with_top_level_names_runs_and_predicts_as_keras():
    keras = keras_on_torch("Keras 3.15 on torch is the reference of the predictions")
    for lib in (keras, tg):
        model = lib.Sequential([lib.Input((3,)), lib.layers.Dense(2, name="d")])
        inputs = lib.Input((3,))
        functional = lib.Model(inputs, model(inputs))
        assert isinstance(functional, lib.Model) and isinstance(model.layers[0], lib.Layer)
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    ours = tg.Sequential([tg.Input((3,)), tg.layers.Dense(2)])
    ours.set_weights(theirs.get_weights())
    x = np.linspace(-1.0, 1.0, 12).reshape(4, 3).astype("float32")
    np.testing.assert_allclose(ours.predict(x, verbose=0), theirs.predict(x, verbose=0), rtol=1e-6, atol=1e-7)


def test_importing_the_package_loads_neither_layers_nor_models_until_a_top_level_name_is_used():
    code = ("import sys, tinygradconv as keras\n"
            "heavy = ('tinygradconv.layers', 'tinygradconv.models', 'tinygradconv.losses', 'tinygradconv.metrics')\n"
            "assert not [m for m in heavy if m in sys.modules], [m for m in heavy if m in sys.modules]\n"
            "keras.Sequential\n"
            "assert 'tinygradconv.models' in sys.modules\n"
            "print('ok')\n")
    root = os.path.dirname(os.path.dirname(os.path.abspath(tg.__file__)))     # this tinygradconv, not another
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120, check=False,
                          env={**os.environ, "PYTHONPATH": root})
    assert done.returncode == 0 and done.stdout.strip() == "ok", done.stderr[-2000:]


def test_an_unknown_name_is_still_an_attribute_error():
    with pytest.raises(AttributeError, match="has no attribute 'Sequentiall'"):
        tg.Sequentiall  # noqa: B018
