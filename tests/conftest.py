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

