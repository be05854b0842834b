"""Shared fixtures: every backend test runs on numpy, array_api_strict and (where a GPU is present) cupy; figures
are drawn with the Agg backend (set here, before any test module imports matplotlib) and closed after each test."""
import os
import sys

import numpy as np
import pytest

os.environ.setdefault("MPLBACKEND", "Agg")

import tinygradconv as tg
from tinygradconv.backend import available_backends

AVAILABLE = available_backends()
BACKENDS = [
    pytest.param(name, marks=pytest.mark.skipif(name not in AVAILABLE, reason=f"backend {name!r} not available "
                                                 "here (CuPy needs an NVIDIA GPU)"))
    for name in ("numpy", "array_api_strict", "cupy")
]


@pytest.fixture(params=BACKENDS)
def backend(request):
    """The name of a backend to run the test on."""
    return request.param


@pytest.fixture
def on_backend(backend):
    """Make ``backend`` the default (so that layers create their weights there) for the duration of a test."""
    tg.set_backend(backend)
    yield backend
    tg.set_backend("numpy")


@pytest.fixture
def rng():
    return np.random.default_rng(1234)


@pytest.fixture(autouse=True)
def _close_figures():
    """Close every figure a test left open (only once pyplot is loaded: tests without figures never import it)."""
    yield
    pyplot = sys.modules.get("matplotlib.pyplot")
    if pyplot is not None:
        pyplot.close("all")



@pytest.fixture
def fresh_names(monkeypatch):
    """Default names counted from zero, as in a new session: ours (the counter that names layers and optimizers:
    ``dense``, ``dense_1``; ``adam``, ``adam_1``), and Keras' (``clear_session``) when Keras is already imported,
    so that a test can pin the names of the first objects it makes, or compare them with Keras'."""
    from tinygradconv.layers import layer as layer_module

    monkeypatch.setattr(layer_module, "_name_counts", {})
    keras = sys.modules.get("keras")
    if keras is not None and hasattr(keras, "backend"):
        keras.backend.clear_session()
