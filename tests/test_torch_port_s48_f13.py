"""Ports of PyTorch scripts (session 48, f13): var's backward after an in-place write of its result, where's
result dtype for Python numbers, float32 masks explained everywhere, optimizer and model argument hints. Each
reference is PyTorch 2.13 or Keras 3.15, run here."""
import numpy as np
import pytest

import tinygradconv as tg


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch 2.13 is the reference here")


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"correction": 0}, {"dim": 0, "keepdim": True}])
@pytest.mark.parametrize("write", ["add_", "mul_", "sub_"])
def test_var_backward_after_an_in_place_write_of_its_result_is_pytorchs(torch, kwargs, write):
    """PyTorch's VarBackward0 saves its input only: `y = x.var(); y.add_(1.0); y.backward()` runs there and gives
    the gradient of the written value (add_: 2 (x - mean) / (n - 1), [-0.6667, -0.1667, 0.8333])."""
    grads = []
    for module in (torch, tg):
        x = module.tensor([0.5, 1.0, 2.0], requires_grad=True)
        y = x.var(**kwargs)
        getattr(y, write)(3.0)
        y.sum().backward()
        grads.append(np.asarray(x.grad.tolist()))
    np.testing.assert_allclose(grads[1], grads[0], rtol=1e-6)


def test_var_backward_after_add_gives_the_hand_computed_gradient():
    x = tg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x.var()
    y.add_(1.0)
    y.backward()
    mean = 3.5 / 3
    np.testing.assert_allclose(x.grad.tolist(), [2 * (v - mean) / 2 for v in (0.5, 1.0, 2.0)], rtol=1e-6)


def test_std_backward_after_an_in_place_write_of_its_result_is_refused_as_pytorch(torch):
    """PyTorch's StdBackward0 saves its result (it divides by it): a write to it is refused there, and here."""
    x = torch.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x.std()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    x = tg.tensor([0.5, 1.0, 2.0], requires_grad=True)
    y = x.std()
    y.add_(1.0)
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("method", ["var", "std"])
def test_var_and_std_gradients_still_match_pytorch(torch, dtype, method):
    a = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 3.0]], dtype=dtype)
    for dim, keepdim in [(None, False), (1, False), (0, True)]:
        ours = tg.tensor(a, requires_grad=True)
        theirs = torch.tensor(a, requires_grad=True)
        getattr(ours, method)(dim=dim, keepdim=keepdim).sum().backward()
        getattr(theirs, method)(dim=dim, keepdim=keepdim).sum().backward()
        np.testing.assert_allclose(ours.grad.numpy().astype(np.float64), theirs.grad.double().numpy(),
                                   rtol=2e-3 if dtype == "float16" else 1e-6, atol=1e-3 if dtype == "float16" else 0)


NUMBERS = [(1, 0), (1.5, 0), (0, 2.5), (True, False), (True, 0), (False, 2.5), (1, 2.5)]


@pytest.mark.parametrize("a, b", NUMBERS)
def test_where_of_two_python_numbers_has_torchs_dtype(torch, a, b):
    """torch.where(c, 1, 0) is int64, (c, 1.5, 0) float32, (c, True, False) bool; this gave float32 for all."""
    condition = [True, False, True]
    ours = tg.ops.where(tg.tensor(condition, dtype="bool"), a, b)
    theirs = torch.where(torch.tensor(condition), a, b)
    assert ours.dtype == str(theirs.dtype).removeprefix("torch.")
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64"])
@pytest.mark.parametrize("number", [1, 1.5, True])
def test_where_of_a_tensor_and_a_python_number_has_torchs_dtype(torch, dtype, number):
    """A float number beside an integer or bool tensor gives float32, as torch.where (it was refused here)."""
    condition = [True, False]
    ours_tensor, their_tensor = tg.tensor([1, 0], dtype=dtype), torch.tensor([1, 0], dtype=getattr(torch, dtype))
    for order in ((0, 1), (1, 0)):
        ours = tg.ops.where(tg.tensor(condition, dtype="bool"), *[(ours_tensor, number)[i] for i in order])
        theirs = torch.where(torch.tensor(condition), *[(their_tensor, number)[i] for i in order])
        assert ours.dtype == str(theirs.dtype).removeprefix("torch.")
        np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_where_of_python_numbers_follows_floatx_for_floats():
    """PyTorch's default dtype is the float type of two Python numbers; here it is the configured floatx."""
    condition = tg.tensor([True, False], dtype="bool")
    tg.config.set_floatx("float64")
    try:
        assert tg.ops.where(condition, 1.5, 0).dtype == "float64"
        assert tg.ops.where(condition, 1, 0).dtype == "int64"
    finally:
        tg.config.set_floatx("float32")


def test_where_with_a_gradient_through_a_number_and_a_tensor(torch):
    ours = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    theirs = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (tg.ops.where(ours > 0, ours, 0) * 2).sum().backward()
    (torch.where(theirs > 0, theirs, 0) * 2).sum().backward()
    assert ours.grad.tolist() == theirs.grad.tolist()


def test_where_with_one_argument_points_to_the_indices(torch):
    """torch.where(c) returns the indices of the true elements (as torch.nonzero(c, as_tuple=True)); this raised
    Python's bare "missing 2 required positional arguments"."""
    c = tg.tensor([1.0, -2.0, 3.0]) > 0
    with pytest.raises(TypeError, match=r"where\(\) missing argument a and b: .*np.nonzero\(condition.numpy\(\)\)"):
        tg.ops.where(c)
    with pytest.raises(TypeError, match=r"where\(\) missing argument b: "):
        tg.ops.where(c, 1.0)
    hinted = np.nonzero(c.numpy())
    assert [i.tolist() for i in hinted] == [i.tolist() for i in torch.where(torch.tensor([1.0, -2.0, 3.0]) > 0)]


MASK_HINT = r"A tensor built from Python bools, such as tg.tensor\(\[True, False\]\), is float32 .*dtype='bool'"


@pytest.mark.parametrize("call", ["masked_fill", "where", "invert", "and", "or", "xor", "and number", "index"])
def test_a_float32_mask_is_explained_wherever_it_is_refused(torch, call):
    """tg.tensor([True, False, True]) is float32 (torch's is bool); y[m] said so, the others refused it without
    saying why. PyTorch refuses float masks in each of these (checked below on a float32 torch tensor)."""
    m, y = tg.tensor([True, False, True]), tg.tensor([1.0, 2.0, 3.0])
    tm, ty = torch.tensor([1.0, 0.0, 1.0]), torch.tensor([1.0, 2.0, 3.0])
    ours, theirs = {
        "masked_fill": (lambda: y.masked_fill(m, 0.0), lambda: ty.masked_fill(tm, 0.0)),
        "where": (lambda: tg.ops.where(m, y, 0.0), lambda: torch.where(tm, ty, 0.0)),
        "invert": (lambda: ~m, lambda: ~tm),
        "and": (lambda: m & m, lambda: tm & tm),
        "or": (lambda: m | m, lambda: tm | tm),
        "xor": (lambda: m ^ m, lambda: tm ^ tm),
        "and number": (lambda: m & True, lambda: tm & True),
        "index": (lambda: y[m], lambda: ty[tm]),
    }[call]
    with pytest.raises((RuntimeError, TypeError, IndexError)):
        theirs()
    with pytest.raises(TypeError, match=MASK_HINT):
        ours()


def test_the_float_mask_hint_is_not_given_for_integer_tensors():
    i = tg.tensor([1, 0], dtype="int32")
    with pytest.raises(TypeError) as error:
        i.masked_fill(i, 0)
    assert "Python bools" not in str(error.value)


def _optimizer_classes():
    classes = [getattr(tg.optimizers, name) for name in dir(tg.optimizers)]
    return [c for c in classes if isinstance(c, type) and issubclass(c, tg.optimizers.Optimizer)
            and c not in (tg.optimizers.Optimizer, tg.optimizers.LossScaleOptimizer)]


@pytest.mark.parametrize("cls", _optimizer_classes(), ids=lambda c: c.__name__)
@pytest.mark.parametrize("keywords", [{"learning_rate": 0.1}, {"lr": 0.01}, {}])
def test_pytorchs_order_params_first_is_explained_for_every_optimizer(cls, keywords):
    """torch.optim.Adam(params, lr=0.01) is PyTorch's call; Keras' Adam([w], learning_rate=0.1) raises Python's
    "got multiple values for argument 'learning_rate'" (as this did), and Adam([w], lr=0.01) reported only `lr`.
    One message now names the order and the keyword, and the call to write instead."""
    keras = pytest.importorskip("keras")
    if hasattr(keras.optimizers, cls.__name__) and keywords:
        with pytest.raises((TypeError, ValueError)):         # Keras refuses the call too (its own words)
            getattr(keras.optimizers, cls.__name__)([keras.Variable([1.0])], **keywords)
    w = tg.tensor([1.0], requires_grad=True)
    rate = keywords.get("learning_rate", keywords.get("lr", 0.001))
    with pytest.raises(TypeError, match=rf"^Invalid type for argument `learning_rate` of {cls.__name__}: .*a list as "
                                        rf"the first argument: PyTorch's optimizers take their parameters first, .*"
                                        rf"Write {cls.__name__}\(learning_rate={rate}\)"):
        cls([w], **keywords)
    if "lr" in keywords:
        with pytest.raises(TypeError, match="`lr` is PyTorch's and Keras 2's name of `learning_rate`"):
            cls((w for w in [w]), **keywords)


def test_the_written_call_works_as_pytorchs(torch):
    """What the message says to write, Adam(learning_rate=0.01) and step(variables), steps as torch.optim.Adam."""
    w = tg.tensor([1.0, -2.0], requires_grad=True)
    tw = torch.tensor([1.0, -2.0], requires_grad=True)
    ours, theirs = tg.optimizers.Adam(learning_rate=0.01, epsilon=1e-8), torch.optim.Adam([tw], lr=0.01, eps=1e-8)
    for _ in range(3):
        (w * w).sum().backward()
        ours.step([w])
        ours.zero_grad([w])
        theirs.zero_grad()
        (tw * tw).sum().backward()
        theirs.step()
    np.testing.assert_allclose(w.tolist(), tw.tolist(), rtol=1e-5)


def _model():
    model = tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2)])
    return model, model.layers[0]


@pytest.mark.parametrize("call, hint", [
    (lambda m, l: m.parameters(), r"'Sequential' object has no attribute 'parameters' .*model.trainable_weights"),
    (lambda m, l: m.named_parameters(), r"model.trainable_weights"),
    (lambda m, l: l.zero_grad(), r"'Dense' object has no attribute 'zero_grad' .*optimizer.zero_grad\(layer"),
    (lambda m, l: m.cpu(), r"'Sequential' object has no attribute 'cpu' .*model.to\('cpu'\)"),
    (lambda m, l: l.cpu(), r"'Dense' object has no attribute 'cpu' .*model.to\('cpu'\)"),
    (lambda m, l: m.cuda(), r"model.to\('cuda'\)"),
    (lambda m, l: m.double(), r"tg.config.set_floatx\('float64'\) before building the model"),
    (lambda m, l: m.state_dict(), r"model.get_weights\(\)"),
    (lambda m, l: m.train(), r"training=True"),
    (lambda m, l: m.eval(), r"training=False"),
])
def test_pytorch_module_names_say_what_to_write(torch, call, hint):
    """torch.nn.Module has each name (checked); a model or layer here raised a bare AttributeError."""
    model, layer = _model()
    name = hint.split("attribute '")[1].split("'")[0] if "attribute '" in hint else None
    if name is not None:
        assert hasattr(torch.nn.Linear(3, 2), name)
    with pytest.raises(AttributeError, match=hint):
        call(model, layer)


def test_the_hinted_calls_work():
    """What the hints say to write does what PyTorch's call does: the trainable weights, the gradients cleared,
    the move to the CPU, float64 weights."""
    model, layer = _model()
    assert [tuple(w.shape) for w in model.trainable_weights] == [(3, 2), (2,)]
    assert not hasattr(model, "parameters") and not hasattr(layer, "zero_grad")
    model(tg.tensor(np.ones((1, 3), "float32"))).sum().backward()
    assert all(w.grad is not None for w in layer.trainable_weights)
    tg.optimizers.SGD(0.1).zero_grad(layer.trainable_weights)
    assert all(w.grad is None for w in layer.trainable_weights)
    assert model.to("cpu") is model and model.weights[0].backend.name == "numpy"
    tg.config.set_floatx("float64")
    try:
        assert tg.models.Sequential([tg.layers.Input((3,)), tg.layers.Dense(2)]).weights[0].dtype == "float64"
    finally:
        tg.config.set_floatx("float32")
    assert tg.layers.Dense(2, dtype="float64")(tg.tensor(np.ones((1, 3)), dtype="float64")).dtype == "float64"


def test_a_subclass_may_define_a_pytorch_name_itself():
    class Net(tg.models.Model):
        def __init__(self):
            super().__init__()
            self.dense = tg.layers.Dense(1)
            self.train = "mine"

        def parameters(self):
            return self.trainable_weights

        def call(self, x):
            return self.dense(x)

    net = Net()
    net(tg.tensor(np.ones((1, 2), "float32")))
    assert len(net.parameters()) == 2 and net.train == "mine"


@pytest.mark.parametrize("args, kwargs, match", [
    (("float64",), {}, r"^Invalid type for argument `backend` of Model.to: .*Received backend='float64', a dtype"),
    (("cpu", "float64"), {}, r"^Model.to\(\) takes one argument, a backend or device .*Received also 'float64'"),
    (("cpu",), {"non_blocking": True}, r"Received also non_blocking=True"),
    ((np.float64,), {}, r"a dtype: the weights' dtype is chosen when they are made"),
])
def test_model_to_with_a_dtype_says_how_to_get_float64(torch, args, kwargs, match):
    """torch's Module.to takes a dtype (Linear.to('cpu', torch.float64) is float64); Model.to here takes a
    backend only: "Unknown backend 'float64'" and a positional-argument TypeError before."""
    assert torch.nn.Linear(2, 2).to("cpu", torch.float64).weight.dtype == torch.float64
    model, _ = _model()
    with pytest.raises(TypeError, match=match) as error:
        model.to(*args, **kwargs)
    assert "tg.config.set_floatx('float64') before building the model" in str(error.value)
    with pytest.raises(TypeError, match="a dtype"):
        model.to(torch.float64)


def test_mean_of_an_integer_tensor_is_keras_float32_and_the_concepts_page_says_pytorch_refuses_it(torch):
    """docs/concepts.md said the mean of an integer tensor is float32 "as PyTorch and Keras 3 do"; PyTorch 2.13
    refuses it. The page now says so (Keras' ops.mean gives float32, as here)."""
    from pathlib import Path

    keras = pytest.importorskip("keras")
    with pytest.raises(RuntimeError, match="could not infer output dtype"):
        torch.tensor([1, 2]).mean()
    assert str(keras.ops.mean(np.array([1, 2], dtype="int32")).dtype).endswith("float32")
    mean = tg.tensor([1, 2], dtype="int64").mean()
    assert mean.dtype == "float32" and mean.item() == 1.5
    page = " ".join((Path(__file__).resolve().parents[1] / "docs" / "concepts.md").read_text().split())
    assert "the `mean` of an integer tensor compute in and return float32, as PyTorch and Keras 3 do" not in page
    assert "PyTorch 2.13 refuses it (\"mean(): could not infer output dtype\")" in page
