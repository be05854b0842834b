"""LayerNormalization and GroupNormalization as one op (ops.normalization.layer_norm), session 52 (speed tester's
finding 3: ~12 graph ops, 17-21x torch's forward+backward time, six input-sized arrays kept by the graph).

References: Keras 3.15 on torch for the layers' values and gradients (the gradients through torch's autograd of
Keras' own layer), float64 finite differences for the op (tinygradconv.gradcheck; the registry's samples are
checked by tests/test_registry_gradcheck.py, its special points against torch by tests/test_special_points.py).
"""
import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers
from tinygradconv.ops.normalization import layer_norm

torch = pytest.importorskip("torch", reason="PyTorch runs the Keras 3 reference layers")


def _saved_bytes(out):
    """The bytes of every array saved for backward in ``out``'s graph, and the number of nodes."""
    seen, stack, total = set(), [out], 0
    while stack:
        t = stack.pop()
        ctx = t._ctx if hasattr(t, "_ctx") else None
        if ctx is None or id(ctx) in seen:
            continue
        seen.add(id(ctx))
        total += sum(a.nbytes for a in ctx.saved_tensors if a is not None and hasattr(a, "nbytes"))
        stack.extend(i for i in ctx.inputs if i is not None)
    return total, len(seen)


@pytest.mark.parametrize("make", [lambda: layers.LayerNormalization(), lambda: layers.GroupNormalization(4)])
def test_the_graph_keeps_one_input_sized_array(make):
    x = tg.tensor(np.random.default_rng(0).standard_normal((8, 16, 32)).astype("float32"), requires_grad=True)
    layer = make()
    saved, nodes = _saved_bytes(layer(x))
    # x_hat (the input's size) and the small statistics and weights; the composition kept six input-sized arrays
    assert saved <= x.data.nbytes + 4 * 8 * 16 * 8 + 4 * 32 * 4, (saved, nodes)


def _keras_grads(layer, x, g):
    """Keras' output and the gradients of ``sum(output * g)`` with respect to the input and the layer's weights."""
    xt = torch.tensor(x, requires_grad=True)
    out = layer(xt)
    (out * torch.tensor(g)).sum().backward()
    return out.detach().numpy(), xt.grad.numpy(), [w.value.grad.numpy() for w in layer.trainable_weights]


@pytest.mark.parametrize("kind, kwargs", [("LayerNormalization", {}), ("LayerNormalization", {"axis": [1, 2]}),
                                          ("LayerNormalization", {"axis": [0, 2]}),
                                          ("LayerNormalization", {"center": False, "epsilon": 1e-5}),
                                          ("LayerNormalization", {"scale": False}),
                                          ("GroupNormalization", {"groups": 4}),
                                          ("GroupNormalization", {"groups": 2, "axis": 1}),
                                          ("GroupNormalization", {"groups": -1, "center": False})])
def test_values_and_gradients_match_keras(kind, kwargs, on_backend):
    keras = keras_on_torch("Keras 3 on torch is the reference of the normalization layers")
    rng = np.random.default_rng(1)
    x = (rng.standard_normal((3, 4, 8)) * 3.0 + 2.0).astype("float32")
    g = rng.standard_normal((3, 4, 8)).astype("float32")
    reference = getattr(keras.layers, kind)(**kwargs)
    reference.build(x.shape)
    ours = getattr(layers, kind)(**kwargs)
    ours.build(x.shape)
    values = [rng.standard_normal(tuple(w.shape)).astype("float32") for w in reference.weights]
    reference.set_weights(values)        # non-trivial gamma and beta, the same in both
    ours.set_weights(values)
    out, dx, dweights = _keras_grads(reference, x, g)
    xt = tg.tensor(x, requires_grad=True)
    y = ours(xt)
    (y * tg.tensor(g)).sum().backward()
    np.testing.assert_allclose(y.numpy(), out, rtol=1e-5, atol=1e-5)
    np.testing.assert_allclose(xt.grad.numpy(), dx, rtol=1e-4, atol=1e-4)
    for w, expected in zip(ours.trainable_weights, dweights):
        np.testing.assert_allclose(w.grad.numpy(), expected, rtol=1e-4, atol=1e-4)


def test_the_op_against_finite_differences_with_broadcast_weights(backend):
    rng = np.random.default_rng(2)

    def make(shape):
        return tg.Tensor(rng.standard_normal(shape), dtype="float64", backend=backend, requires_grad=True)

    x, gamma, beta = make((2, 3, 5)), make((3, 1)), make((1, 5))
    assert tg.gradcheck(lambda a, w, b: layer_norm(a, w, b, axes=(1, 2), epsilon=1e-3), x, gamma, beta)
    assert tg.gradcheck(lambda a: layer_norm(a, axes=(0,), epsilon=0.0, overflow="torch"), x)


def test_the_op_by_hand():
    """A row of three: mean 2, variance 2/3, so (x - 2) / sqrt(2/3), then times gamma plus beta."""
    y = layer_norm(tg.tensor([[1.0, 2.0, 3.0]], dtype="float64"), tg.tensor([2.0, 1.0, -1.0], dtype="float64"),
                   tg.tensor([0.5, 0.0, 0.0], dtype="float64"), axes=(-1,), epsilon=0.0)
    r = 1.0 / np.sqrt(2.0 / 3.0)
    np.testing.assert_allclose(y.numpy(), [[-2.0 * r + 0.5, 0.0, -r]], rtol=1e-15)


def test_float16_is_computed_in_float32():
    x = np.array([[300.0, 310.0, 290.0, 305.0]], dtype=np.float16)     # squares overflow float16 above 256
    y = layer_norm(tg.tensor(x, requires_grad=True), axes=(1,), epsilon=1e-3)
    wide = layer_norm(tg.tensor(x.astype(np.float32)), axes=(1,), epsilon=1e-3)
    assert y.numpy().dtype == np.float16
    np.testing.assert_array_equal(y.numpy(), wide.numpy().astype(np.float16))


@pytest.mark.parametrize("kwargs, error, words", [
    ({"axes": 1}, TypeError, "axes must be a tuple of integers. Received axes=1"),
    ({"axes": (2,)}, ValueError, "axis 2 is out of range"),
    ({"axes": (0, -2)}, ValueError, "same axis twice"),
    ({"axes": ()}, ValueError, "at least one axis"),
    ({"axes": (1,), "epsilon": -1.0}, ValueError, "epsilon must be a number >= 0. Received epsilon=-1.0"),
    ({"axes": (1,), "overflow": "numpy"}, ValueError, "overflow must be 'keras' or 'torch'. Received overflow='numpy'"),
])
def test_bad_arguments_are_named(kwargs, error, words):
    with pytest.raises(error, match=words.replace("(", r"\(").replace(")", r"\)")):
        layer_norm(tg.tensor([[1.0, 2.0]]), **kwargs)


def test_weights_that_do_not_broadcast_are_refused():
    with pytest.raises(ValueError, match=r"gamma of shape \(3,\) does not broadcast to the input's shape \(2, 2\)"):
        layer_norm(tg.tensor([[1.0, 2.0], [3.0, 4.0]]), tg.tensor([1.0, 1.0, 1.0]), axes=(1,))
