"""``prod`` and ``cumsum`` (asked for by a tester: tensors had neither), against PyTorch and Keras 3's ops, with
hand-computed gradients where elements are 0 (the registry's special points and gradient checks cover the rest)."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


def test_the_gradient_of_a_product_with_zeros_by_hand():
    x = tg.tensor([[2.0, 0.0, 3.0], [0.0, 5.0, 0.0], [2.0, 4.0, 0.5]], requires_grad=True)
    tg.ops.prod(x, axis=1).sum().backward()
    # one zero: it gets the product of the others, the others 0; two zeros: 0 everywhere; none: the others' product
    assert x.grad.tolist() == [[0.0, 6.0, 0.0], [0.0, 0.0, 0.0], [2.0, 1.0, 8.0]]
    assert tg.ops.prod(x, axis=1).tolist() == [0.0, 0.0, 4.0]


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64"])
def test_dtypes_and_values_as_pytorch(dtype):
    values = np.array([[1, 2, 3], [0, 1, 1]]).astype(dtype)
    ours, theirs = tg.tensor(values, dtype=dtype), torch.from_numpy(values.copy())
    for a, b in ((tg.ops.prod(ours, axis=1), torch.prod(theirs, dim=1)), (tg.ops.prod(ours), torch.prod(theirs)),
                 (tg.ops.cumsum(ours, axis=1), torch.cumsum(theirs, dim=1)),
                 (tg.ops.cumsum(ours, dim=0), torch.cumsum(theirs, dim=0))):
        assert str(a.dtype) == str(b.dtype).replace("torch.", "")
        np.testing.assert_array_equal(np.asarray(a.tolist()), b.numpy())


def test_keras_spellings_several_axes_and_none():
    keras = pytest.importorskip("keras")
    x = np.random.default_rng(0).standard_normal((2, 3, 4)).astype("float32")     # Keras: float32
    np.testing.assert_allclose(tg.ops.prod(x, axis=(0, 2), keepdims=True).numpy(),
                               keras.ops.convert_to_numpy(keras.ops.prod(x, axis=(0, 2), keepdims=True)), rtol=1e-6)
    np.testing.assert_allclose(tg.ops.cumsum(x).numpy(), keras.ops.convert_to_numpy(keras.ops.cumsum(x)), rtol=1e-6)
    assert tg.ops.cumsum(x).shape == (24,)


def test_gradients_against_pytorch():
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 5))
    x[1, 2] = 0.0                                       # a zero: the product's other path
    for ours_fn, torch_fn in ((lambda t: tg.ops.prod(t, axis=1), lambda t: torch.prod(t, dim=1)),
                              (lambda t: tg.ops.prod(t), torch.prod),
                              (lambda t: tg.ops.cumsum(t, axis=0), lambda t: torch.cumsum(t, dim=0)),
                              (lambda t: tg.ops.cumsum(t), lambda t: torch.cumsum(t.reshape(-1), dim=0))):
        t, tt = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
        y, ty = ours_fn(t), torch_fn(tt)
        g = rng.standard_normal(y.shape)
        y.backward(tg.tensor(g))
        ty.backward(torch.tensor(g))
        np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-12)
        np.testing.assert_allclose(t.grad.numpy(), tt.grad.numpy(), rtol=1e-12, atol=1e-15)


def test_cumsum_refuses_both_spellings_and_a_bad_axis():
    for axis in (0, None):                  # whatever the values, as concat and the reductions
        with pytest.raises(TypeError, match=r"both `axis` and `dim`"):
            tg.ops.cumsum([1.0, 2.0], axis=axis, dim=0)
    with pytest.raises(IndexError, match=r"cumsum: Dimension out of range: `axis`"):
        tg.ops.cumsum([1.0, 2.0], axis=1)


def test_the_tensor_methods_spell_them_as_pytorch():
    x = np.arange(1.0, 7.0).reshape(2, 3)
    t, tt = tg.tensor(x), torch.from_numpy(x)
    np.testing.assert_array_equal(t.prod(dim=1, keepdim=True).numpy(), tt.prod(dim=1, keepdim=True).numpy())
    np.testing.assert_array_equal(t.prod().numpy(), tt.prod().numpy())
    np.testing.assert_array_equal(t.cumsum(1).numpy(), tt.cumsum(1).numpy())
    np.testing.assert_array_equal(t.cumsum(dim=0).numpy(), tt.cumsum(dim=0).numpy())
