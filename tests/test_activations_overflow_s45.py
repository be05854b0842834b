"""sparse_plus and squareplus where their squares' gradients overflow (a tester of session 45): as Keras 3.15 on
torch (docs/special_points.md: activations are computed as Keras, step by step in the input's dtype), values and
gradients, float32 and float64."""
import os

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import activations

POINTS = {"float32": [3e38, -3e38, 1.7e38, -1.7e38, 2e19, -2e19, 1e19, 2.0, 0.5, -0.5, -1.0, 1.0, -3.0],
          "float64": [1.7e308, -1.7e308, 1e300, 1e154, -1e154, 2.0, 0.5, -0.5, -1.0, 1.0, -3.0]}


def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    keras = pytest.importorskip("keras", reason="Keras 3 on torch is the reference")
    if keras.backend.backend() != "torch":
        pytest.skip("the reference is Keras 3 on its torch backend")
    return keras


@pytest.mark.parametrize("dtype", ["float32", "float64"])
@pytest.mark.parametrize("name", ["sparse_plus", "squareplus"])
def test_value_and_gradient_as_keras_where_squares_overflow(name, dtype):
    keras = _keras()
    import torch

    values = np.array(POINTS[dtype], dtype)
    t = torch.tensor(values, requires_grad=True)
    expected = getattr(keras.activations, name)(t)
    expected.sum().backward()
    x = tg.tensor(values, dtype=dtype, requires_grad=True)
    y = getattr(activations, name)(x)
    y.sum().backward()
    np.testing.assert_allclose(y.numpy(), expected.detach().numpy(), rtol=1e-6)
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-6)
    assert np.isnan(x.grad.numpy()[:2]).all()             # the two largest: 0 * inf, as Keras


def test_squareplus_gradient_by_hand_where_nothing_overflows():
    x = tg.tensor([2.0, -0.5, 1e10], dtype="float64", requires_grad=True)
    activations.squareplus(x).sum().backward()
    v = np.array([2.0, -0.5, 1e10])
    np.testing.assert_allclose(x.grad.numpy(), 0.5 * (1 + v / np.sqrt(v * v + 4)), rtol=1e-14)
