"""``model.to(None)`` and ``model.to()`` move nothing and return the model, as PyTorch's ``module.to(None)`` (run
below: torch keeps each parameter where it is); ``device=`` is PyTorch's keyword for the device. And a
``LossScaleOptimizer``'s own variables (its step count, rate, ``step_counter`` and ``dynamic_scale``) follow the
model to its backend, as its inner optimizer's do (they stayed on numpy after ``model.to("array_api_strict")``)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import layers, models


def _model():
    tg.random.set_seed(1)
    return models.Sequential([layers.Input((3,)), layers.Dense(2, name="dense")], name="m")   # the same paths


def test_torch_module_to_none_is_a_no_op():
    torch = pytest.importorskip("torch")
    module = torch.nn.Linear(3, 2)
    before = module.weight.detach().clone()
    assert module.to(None) is module and module.to() is module and module.to(device=None) is module
    assert module.weight.device.type == "cpu" and torch.equal(module.weight, before)


@pytest.mark.parametrize("call", [lambda m: m.to(None), lambda m: m.to(), lambda m: m.to(device=None)],
                         ids=["to(None)", "to()", "to(device=None)"])
def test_model_to_none_moves_nothing_and_returns_the_model(call):
    pytest.importorskip("array_api_strict")
    model = _model().to("array_api_strict")
    model.compile("adam", "mse")
    model.fit(np.ones((4, 3)), np.zeros((4, 2)), epochs=1, verbose=0)
    values = [w.numpy().copy() for w in model.weights]
    arrays = [w.data for w in model.weights]
    assert call(model) is model
    assert [w.backend.name for w in model.weights] == ["array_api_strict"] * 2
    assert all(w.data is a for w, a in zip(model.weights, arrays))      # not even copied
    for w, v in zip(model.weights, values):
        np.testing.assert_array_equal(w.numpy(), v)
    assert {v.backend.name for v in model.optimizer.variables} == {"array_api_strict"}


def test_device_keyword_is_the_backend():
    pytest.importorskip("array_api_strict")
    model = _model()
    assert model.to(device="array_api_strict") is model
    assert [w.backend.name for w in model.weights] == ["array_api_strict"] * 2
    model.to(device="cpu")          # a CPU backend: it stays, as torch's "cpu"
    assert model.weights[0].backend.name == "array_api_strict"
    with pytest.raises(TypeError, match=r"^Invalid type for argument `device` of Model\.to: the backend is given "
                                        r"already, as 'numpy'; pass one of them\. Received device='cpu'$"):
        model.to("numpy", device="cpu")
    assert model.weights[0].backend.name == "array_api_strict"
    with pytest.raises(TypeError, match=r"no dtype"):
        model.to(device="cpu", dtype="float64")


def _trained_with_loss_scale():
    model = _model()
    model.compile(tg.optimizers.LossScaleOptimizer(tg.optimizers.Adam(0.01), initial_scale=8.0,
                                                   dynamic_growth_steps=2), "mse")
    rng = np.random.default_rng(0)
    model.fit(rng.normal(size=(8, 3)), rng.normal(size=(8, 2)), epochs=1, batch_size=4, verbose=0, shuffle=False)
    return model


def test_loss_scale_optimizer_variables_follow_model_to(fresh_names):
    pytest.importorskip("array_api_strict")
    reference = _trained_with_loss_scale().optimizer.variables      # never moved: numpy
    model = _trained_with_loss_scale().to("array_api_strict")
    moved = model.optimizer.variables
    names = [v.path for v in moved]
    # the second LossScaleOptimizer made: "loss_scale_optimizer_1", as Keras names it
    assert names[:4] == ["loss_scale_optimizer_1/iteration", "loss_scale_optimizer_1/learning_rate",
                         "loss_scale_optimizer_1/step_counter", "loss_scale_optimizer_1/dynamic_scale"]
    assert [v.name for v in moved] == [v.name for v in reference]
    # two steps of growth 2: the scale doubled once, the counter back at 0 (a hand count)
    assert [moved[2].item(), moved[3].item()] == [0, 16.0]
    for got, expected in zip(moved, reference):
        assert got.backend.name == "array_api_strict", got.name
        assert tg.backend.dtype_name(got.dtype) == tg.backend.dtype_name(expected.dtype), got.name
        np.testing.assert_array_equal(got.numpy(), expected.numpy())
    model.to("numpy")
    assert {v.backend.name for v in model.optimizer.variables} == {"numpy"}


def test_unbuilt_loss_scale_optimizer_variables_are_on_the_default_backend(fresh_names):
    variables = tg.optimizers.LossScaleOptimizer(tg.optimizers.SGD(0.1)).variables
    assert {v.backend.name for v in variables} == {tg.backend.get_backend().name}
    assert [v.path for v in variables][:2] == ["loss_scale_optimizer/iteration", "loss_scale_optimizer/learning_rate"]
