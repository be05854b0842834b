"""PyTorch parity of autograd and tensor ops found by a tester (session 42): the float math ops of integer and bool
tensors, in-place gradient accumulation, ``backward(gradient=...)`` and comparisons of bool tensors with numbers.
References: PyTorch and Keras 3 run on the same inputs, and hand-computed values."""
import math

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import activations, config, ops
from tinygradconv.backend import dtype_name


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is the reference of the autograd and tensor ops")


def _keras():
    return pytest.importorskip("keras", reason="Keras 3 is the reference of the activations")


INTEGER_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64"]
VALUES = {"bool": [True, False, True], "uint8": [0, 3, 250], "int8": [-100, 0, 7], "int16": [-300, 2, 1000],
          "int32": [-7, 1, 40000], "int64": [-3, 0, 2]}


# ------------------------------------------------------------------ 1. float math of integer and bool tensors
UNARY = {"exp": math.exp, "log": lambda v: math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan),
         "log1p": lambda v: math.log1p(v) if v > -1 else (-math.inf if v == -1 else math.nan),
         "sqrt": lambda v: math.sqrt(v) if v >= 0 else math.nan, "tanh": math.tanh,
         "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0,
         "reciprocal": lambda v: 1 / v if v else math.inf}


def _by_hand(name, values):
    with np.errstate(over="ignore"):
        out = []
        for v in values:
            try:
                out.append(UNARY[name](float(v)))
            except OverflowError:
                out.append(math.inf)
        return np.array(out)


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_float_math_of_integer_and_bool_tensors_is_float32_as_torch(name, dtype):
    """Found by a tester: ``sigmoid`` of a bool tensor was float16, ``sqrt`` of uint8 250 float16 15.81 (NumPy's
    rule). PyTorch gives float32 (its default dtype) for every integer and bool input."""
    torch = _torch()
    values = VALUES[dtype]
    t = tg.tensor(np.array(values, dtype=dtype), dtype=dtype)
    ours = getattr(ops, name)(t)
    theirs = getattr(torch, name)(torch.tensor(np.array(values, dtype=dtype)))
    assert dtype_name(ours.dtype) == "float32" and theirs.dtype == torch.float32
    # torch's sigmoid(-100) is 0 (1 / (1 + inf)); ours the float32 subnormal 3.8e-44 nearest the true value
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-7, atol=1e-38)
    with np.errstate(over="ignore"):
        rounded = _by_hand(name, values).astype(np.float32)      # the true value, rounded once to float32
    np.testing.assert_allclose(ours.numpy(), rounded, rtol=3e-7, atol=2e-45)


def test_the_tester_examples_by_hand():
    s = tg.tensor([True, False], dtype="bool").sigmoid()
    assert dtype_name(s.dtype) == "float32"
    np.testing.assert_allclose(s.numpy(), [1 / (1 + math.exp(-1)), 0.5], rtol=1e-7)
    r = tg.tensor(np.array([250], np.uint8), dtype="uint8").sqrt()
    assert dtype_name(r.dtype) == "float32" and r.item() == np.float32(math.sqrt(250))   # float16 gave 15.81


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_logsumexp_of_integer_and_bool_tensors_is_float32_as_torch(dtype):
    torch = _torch()
    values = np.array(VALUES[dtype], dtype=dtype)
    ours = ops.logsumexp(tg.tensor(values, dtype=dtype))
    theirs = torch.logsumexp(torch.tensor(values), 0)
    assert dtype_name(ours.dtype) == "float32" and theirs.dtype == torch.float32
    as_float = values.astype(np.float64)
    by_hand = as_float.max() + math.log(sum(math.exp(v - as_float.max()) for v in as_float))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=2e-7)
    np.testing.assert_allclose(ours.item(), by_hand, rtol=2e-7)


KEEP_INTEGERS = {"linear", "relu", "relu6", "hard_tanh", "threshold"}  # integer in, integer out in Keras 3 and torch


@pytest.mark.filterwarnings("ignore::DeprecationWarning")   # inside Keras
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("name", sorted(set(activations.ALL_OBJECTS) - KEEP_INTEGERS - {"glu"}))
def test_activations_of_integer_tensors_are_keras_on_floatx(name, dtype):
    """Keras 3 computes its activations of an integer tensor in floatx() (float32; on torch, some of them, elu and
    gelu, raise for integers, and sparse_plus of uint8 wraps around): ours now do, for every integer dtype (float16
    for 8-bit and float64 for int32/int64 before). Values: Keras' on the float32 tensor of the same numbers."""
    keras = _keras()
    values = np.array([[0, 3, 1, 7], [5, 2, 0, 1]] if dtype == "uint8" else [[-2, 0, 1, 3], [7, -5, 0, 1]], dtype)
    floats = keras.ops.convert_to_tensor(values.astype(keras.config.floatx()))
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(floats))
    ours = getattr(activations, name)(tg.tensor(values, dtype=dtype))
    assert dtype_name(ours.dtype) == str(theirs.dtype) == keras.config.floatx() == "float32"
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=2e-6, atol=5e-7)  # gelu(-5): float32 cancellation


def test_integer_math_follows_floatx(monkeypatch):
    """The result is floatx(), as Keras 3's (torch's default dtype, set with torch.set_default_dtype, likewise)."""
    monkeypatch.setattr(config, "floatx", lambda: "float64")
    out = tg.tensor([1, 4], dtype="int64").sqrt()
    assert dtype_name(out.dtype) == "float64" and out.tolist() == [1.0, 2.0]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_float_inputs_keep_their_dtype(dtype):
    torch = _torch()
    values = np.array([0.5, 2.0, 9.0], dtype)
    for name in ("exp", "sqrt", "sigmoid", "log"):
        ours = getattr(ops, name)(tg.tensor(values, dtype=dtype))
        theirs = getattr(torch, name)(torch.tensor(values))
        assert dtype_name(ours.dtype) == dtype == str(theirs.dtype).removeprefix("torch.")
