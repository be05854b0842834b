"""A missing file (session 50): Keras 3's ``load_model`` raises a ``ValueError`` ("File not found") for a missing
``.keras`` file and its ``load_weights`` a ``FileNotFoundError``; ours raise ``MissingFileError``, both, naming the
path, for every format and entry point. The reference is Keras 3.15 on torch (its exception types)."""
import os

import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv.saving import MissingFileError

SUFFIXES = [".keras", ".weights.h5", ".weights.npz", ".npz", ""]


def _model():
    return tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2)])


def _loaders(path):
    model = _model()
    return {"saving.load_model": lambda: tg.saving.load_model(path),
            "models.load_model": lambda: tg.models.load_model(path),
            "saving.load_weights": lambda: tg.saving.load_weights(model, path),
            "Model.load_weights": lambda: model.load_weights(path)}


@pytest.mark.parametrize("suffix", SUFFIXES)
@pytest.mark.parametrize("loader", ["saving.load_model", "models.load_model", "saving.load_weights",
                                    "Model.load_weights"])
def test_a_missing_file_is_both_a_file_not_found_error_and_a_value_error(tmp_path, loader, suffix):
    path = tmp_path / f"missing{suffix}"
    with pytest.raises(FileNotFoundError) as caught:
        _loaders(path)[loader]()
    error = caught.value
    assert isinstance(error, ValueError) and isinstance(error, MissingFileError)
    assert str(path) in str(error) and os.fspath(error.filename) == str(path)
    assert error.errno is not None and error.errno == __import__("errno").ENOENT


@pytest.mark.parametrize("suffix", [".keras", ".weights.h5"])
def test_code_written_for_keras_catches_it_as_keras_raises(tmp_path, suffix):
    keras = keras_on_torch("Keras 3.15 on torch is the reference of the exception types")
    path = str(tmp_path / f"missing{suffix}")
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(2)])
    caught = {}
    for name, library, model in (("keras", keras, theirs), ("ours", tg, _model())):
        with pytest.raises(Exception) as info:      # the types are compared below
            if suffix == ".keras":
                library.saving.load_model(path)
            else:
                model.load_weights(path)
        caught[name] = info.value
    keras_type = type(caught["keras"])
    assert keras_type in (ValueError, FileNotFoundError)
    assert isinstance(caught["ours"], keras_type)    # an `except` clause written for Keras catches ours
