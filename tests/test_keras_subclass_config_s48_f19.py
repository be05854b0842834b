"""Keras 3 habits of subclassed models and layers, each checked against Keras 3 itself: a model's own ``build`` runs
on its first call with the input shape (Keras' ``Layer._maybe_build``)."""
import os

import numpy as np
import pytest

import tinygradconv as tg

os.environ.setdefault("KERAS_BACKEND", "torch")
keras = pytest.importorskip("keras", minversion="3")


def _build_records(base):
    """Three model classes on ``base`` whose ``build`` records what it is given."""
    seen = []

    class Net(base):
        def build(self, input_shape):
            seen.append(("net", input_shape))
            self.scale = self.add_weight(shape=(3,), initializer="ones")

        def call(self, x):
            return x * self.scale

    class ListInput(base):
        def build(self, input_shape):
            seen.append(("list", input_shape))
            self.scale = self.add_weight(shape=(input_shape[0][-1],), initializer="ones")

        def call(self, x):
            return x[0] * self.scale + x[1]

    class TwoArguments(base):
        def build(self, a_shape, b_shape):
            seen.append(("two", a_shape, b_shape))
            self.scale = self.add_weight(shape=(a_shape[-1],), initializer="ones")

        def call(self, a, b):
            return a * self.scale + b

    return seen, Net, ListInput, TwoArguments


def _run(base):
    seen, net, list_input, two = _build_records(base)
    x = np.ones((2, 3), "float32")
    model = net()
    out = model(x)
    list_input()([x, x])
    two()(x, np.ones((4, 2, 3), "float32"))
    shapes = [tuple(s if not isinstance(s, list) else [tuple(i) for i in s] for s in entry) for entry in seen]
    values = keras.ops.convert_to_numpy(out) if base is keras.Model else out.numpy()
    return shapes, model.built, len(model.weights), values.tolist()


def test_a_models_own_build_runs_on_the_first_call_with_the_input_shape_as_keras():
    assert _run(tg.models.Model) == _run(keras.Model)


def test_a_model_without_its_own_build_still_builds_by_calling():
    class Plain(tg.models.Model):
        def __init__(self, **kwargs):
            super().__init__(**kwargs)
            self.dense = tg.layers.Dense(2)

        def call(self, x):
            return self.dense(x)

    model = Plain()
    model(np.ones((4, 3), "float32"))
    assert model.built and [tuple(w.shape) for w in model.weights] == [(3, 2), (2,)]
