"""The float math of integer and bool tensors (true division, ``sqrt``, ``exp``, ``sin``, ..., the mean) follows
``floatx()`` as PyTorch follows its default dtype (a reviewer found ``int32_t / 2.0`` float64 but ``int32_t / 2``,
``t.sqrt()`` and ``t / t`` float32 under ``set_floatx("float64")``, where torch gives float64 for all); the Keras paths
(``activations.sigmoid``, ``activations.tanh``, ``GlobalAveragePooling1D``) keep Keras 3's float32.

Expected dtypes and values come from PyTorch 2.13 under ``torch.set_default_dtype`` and from Keras 3 (torch backend),
run beside ours."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import config
from tinygradconv.backend import dtype_name

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the promotion")

BACKENDS = ["numpy", "array_api_strict"]
FLOATX = ["float64", "float16", "float32"]
EXPRESSIONS = {
    "t / 2.0": lambda t: t / 2.0, "t / 2": lambda t: t / 2, "t / 3": lambda t: t / 3, "2 / t": lambda t: 2 / t,
    "t / t": lambda t: t / t, "t.div(2)": lambda t: t.div(2), "(t * 1.0).mean()": lambda t: (t * 1.0).mean(),
    "t.sqrt()": lambda t: t.sqrt(), "t.exp()": lambda t: t.exp(), "t.sin()": lambda t: t.sin(),
    "t.log()": lambda t: t.log(), "t.tanh()": lambda t: t.tanh(), "t.sigmoid()": lambda t: t.sigmoid(),
    "t.rsqrt()": lambda t: t.rsqrt(), "t.reciprocal()": lambda t: t.reciprocal(), "t.cosh()": lambda t: t.cosh(),
    "t.logsumexp(0)": lambda t: t.logsumexp(0),
}


@pytest.fixture
def default_dtype():
    """Restores floatx() and torch's default dtype after the test."""
    before = torch.get_default_dtype()
    yield
    config.set_floatx("float32")
    torch.set_default_dtype(before)


def _set(floatx):
    config.set_floatx(floatx)
    torch.set_default_dtype(getattr(torch, floatx))


@pytest.mark.parametrize(("backend", "floatx"), [(b, f) for b in BACKENDS for f in FLOATX
                                                 if (b, f) != ("array_api_strict", "float16")])   # (it has no float16)
@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8"])
@pytest.mark.parametrize("name", list(EXPRESSIONS))
def test_integer_float_math_is_of_floatx_as_torch_default_dtype(default_dtype, backend, floatx, dtype, name):
    _set(floatx)
    expression = EXPRESSIONS[name]
    ours = expression(tg.tensor([1, 2, 3], dtype=dtype, backend=backend))
    theirs = expression(torch.tensor([1, 2, 3], dtype=getattr(torch, dtype)))
    assert dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.") == floatx, name
    tolerance = 1e-3 if floatx == "float16" else 1e-6
    np.testing.assert_allclose(np.asarray(ours.numpy(), dtype=np.float64), theirs.double().numpy(), rtol=tolerance)


def test_the_reviewers_cases_under_float64_and_float16(default_dtype):
    t = tg.tensor([1, 2, 3], dtype="int32")
    _set("float64")
    assert [dtype_name(e.dtype) for e in (t / 2.0, t / 2, t.sqrt(), t / t, (t * 1.0).mean())] == ["float64"] * 5
    _set("float16")
    assert [dtype_name(e.dtype) for e in (t / 2.0, t / 2)] == ["float16"] * 2
    assert np.isinf((tg.tensor([70000], dtype="int32") / 1).numpy()).all()    # torch: inf in float16 too
    assert torch.isinf(torch.tensor([70000], dtype=torch.int32) / 1).all()


def test_the_mean_of_an_integer_tensor_is_the_division_of_its_sum(default_dtype):
    """PyTorch refuses ``int_t.mean()``; ours is ``sum / n`` in floatx(), as torch's ``t.sum() / n``."""
    _set("float64")
    ours = tg.tensor([1, 2, 4], dtype="int32").mean()
    theirs = torch.tensor([1, 2, 4], dtype=torch.int32).sum() / 3
    assert dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.") == "float64"
    assert ours.item() == theirs.item()
    with pytest.raises(RuntimeError, match="could not infer output dtype"):
        torch.tensor([1, 2, 4], dtype=torch.int32).mean()


def test_the_default_floatx_gives_float32_as_before():
    t = tg.tensor([1, 2, 3], dtype="int32")
    assert {dtype_name(f(t).dtype) for f in EXPRESSIONS.values()} == {"float32"}


@pytest.mark.parametrize("floatx", ["float64", "float16"])
def test_the_keras_paths_keep_float32(default_dtype, floatx):
    """Keras 3's activations ``sigmoid``/``tanh`` and ``GlobalAveragePooling1D`` of int32 are float32 whatever
    ``floatx()`` is."""
    keras = pytest.importorskip("keras")
    x = np.array([[[1], [2], [4]]], dtype="int32")
    mask = np.array([[True, True, False]])
    keras.config.set_floatx(floatx)
    try:
        expected = {
            "sigmoid": keras.activations.sigmoid(keras.ops.convert_to_tensor(x[0, :, 0])),
            "tanh": keras.activations.tanh(keras.ops.convert_to_tensor(x[0, :, 0])),
            "gap": keras.layers.GlobalAveragePooling1D()(x),
            "gap masked": keras.layers.GlobalAveragePooling1D()(x, mask=mask),
        }
    finally:
        keras.config.set_floatx("float32")
        # Keras caches its default dtype policy (DTypePolicy(floatx())) the first time a layer asks for it: forget
        # the float64/float16 one, or every Keras layer made by a later test would take it
        from keras.src.backend.common import global_state
        global_state.set_global_attribute("dtype_policy", None)
    config.set_floatx(floatx)
    t = tg.tensor(x[0, :, 0], dtype="int32")
    ours = {"sigmoid": tg.activations.sigmoid(t), "tanh": tg.activations.tanh(t),
            "gap": tg.layers.GlobalAveragePooling1D()(x),
            "gap masked": tg.layers.GlobalAveragePooling1D()(x, mask=mask)}
    for name, theirs in expected.items():
        assert dtype_name(ours[name].dtype) == keras.backend.standardize_dtype(theirs.dtype) == "float32", name
        np.testing.assert_allclose(ours[name].numpy(), keras.ops.convert_to_numpy(theirs), rtol=1e-6, err_msg=name)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", ["int32", "uint8", "int8", "int64"])
@pytest.mark.parametrize("number", [1e-320, -1e-320, 2.5, 0.5, -1.0, np.float32(2.5), np.float64(1e-320), 1e300,
                                    float("nan"), -0.0])
def test_an_integer_tensor_and_a_float_number_are_raised_as_torch_raises_them(backend, dtype, number):
    """``int32 [0, 1] ** 1e-320`` was ``[1.0, 1.0]`` (the number became a float32 0 first, and ``0 ** 0`` is 1);
    PyTorch keeps the number: ``[0.0, 1.0]``, as a float32 tensor ``** 1e-320`` gave here already."""
    data = [-8, 0, 1, 2] if dtype.startswith("int") else [0, 1, 3]
    for ours, theirs in (
            (tg.tensor(data, dtype=dtype, backend=backend) ** number, torch.tensor(data, dtype=getattr(torch, dtype))
             ** number),
            (number ** tg.tensor(data, dtype=dtype, backend=backend), number ** torch.tensor(data, dtype=getattr(
                torch, dtype)))):
        assert dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.") == "float32"
        np.testing.assert_allclose(np.asarray(ours.numpy(), dtype=np.float64), theirs.double().numpy(), rtol=1e-6,
                                   equal_nan=True)
        numbers = ~np.isnan(theirs.numpy())                        # (the sign of a NaN means nothing)
        np.testing.assert_array_equal(np.signbit(ours.numpy())[numbers], np.signbit(theirs.numpy())[numbers])
