"""``optimizer.variables`` lives on the backend of the variables it updates: after ``model.to("array_api_strict")``
the step count, the learning rate and the scalar state (Nadam's ``u_product``) are array_api_strict tensors, as the
slots are. Before the fix they were built on the default backend (numpy) whatever the model's. The reference is the
same model trained without moving (numpy): the same names and values, on the other backend."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, models

pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")


def _trained(optimizer):
    tg.random.set_seed(3)
    model = models.Sequential([layers.Input((4,)), layers.Dense(2, name="dense")], name="m")  # the same paths
    model.compile(optimizer, "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 4)), rng.normal(size=(8, 2)), epochs=2, batch_size=4, verbose=0, shuffle=False)
    return model


@pytest.mark.parametrize("make_optimizer", [lambda: tg.optimizers.Adam(0.01), lambda: tg.optimizers.Nadam(0.01),
                                            lambda: tg.optimizers.SGD(0.05, momentum=0.9)],
                         ids=["Adam", "Nadam", "SGD"])
def test_variables_after_model_to_are_on_the_models_backend(make_optimizer, fresh_names):
    reference = _trained(make_optimizer()).optimizer.variables
    model = _trained(make_optimizer()).to("array_api_strict")
    moved = model.optimizer.variables
    # the same variables, under the second optimizer's name ("adam_1", "nadam_1", "sgd_1": Keras' names)
    assert [v.name for v in moved] == [v.name for v in reference]
    name = model.optimizer.name
    assert name.endswith("_1") and [v.path for v in moved] == [f"{name}/{v.name}" for v in moved]
    assert "nadam_1/u_product" in [v.path for v in moved] or not isinstance(model.optimizer, tg.optimizers.Nadam)
    for got, expected in zip(moved, reference):
        assert got.backend.name == "array_api_strict", got.name
        assert tg.backend.dtype_name(got.dtype) == tg.backend.dtype_name(expected.dtype), got.name
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    model.to("numpy")
    assert {v.backend.name for v in model.optimizer.variables} == {"numpy"}


def test_an_unbuilt_optimizers_variables_are_on_the_default_backend(fresh_names):
    """No variable is known yet: the step count and the rate are on the default backend, as before."""
    variables = tg.optimizers.Adam(0.01).variables
    assert [(v.path, v.backend.name) for v in variables] == [("adam/iteration", tg.backend.get_backend().name),
                                                             ("adam/learning_rate", tg.backend.get_backend().name)]
    assert [v.item() for v in variables] == [0, 0.01]
