"""Tensor construction (the conversion rule, copying, errors) and its plain methods, on every backend."""
import importlib
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import config
from tinygradconv.backend import dtype_name, get_backend


def dtype_of(t):
    return str(t.numpy().dtype)


# ------------------------------------------------------------------------------------------- conversion rule
@pytest.mark.parametrize("data, expected", [
    (1.5, "float32"),
    (3, "float32"),
    (True, "float32"),
    ([[1, 2], [3, 4]], "float32"),
    ([1.0, 2.0], "float32"),
    ((1.0, 2), "float32"),
    (np.array([1.0, 2.0]), "float64"),
    (np.array([1.0], dtype=np.float16), "float16"),
    (np.array([1, 2], dtype=np.int64), "float32"),
    (np.array([1, 2], dtype=np.uint8), "float32"),
    (np.array([True, False]), "float32"),
    (np.float64(2.5), "float64"),
    (np.float32(2.5), "float32"),
    (np.int32(7), "float32"),
])
def test_conversion_rule(data, expected, backend):
    if expected == "float16" and backend == "array_api_strict":  # the Array API standard has no float16
        with pytest.raises(TypeError, match="no dtype 'float16'"):
            tg.tensor(data, backend=backend)
        return
    t = tg.tensor(data, backend=backend)
    assert dtype_of(t) == expected
    np.testing.assert_array_equal(t.numpy(), np.asarray(data, dtype=expected))


def test_conversion_follows_floatx():
    previous = config.floatx()
    try:
        config.set_floatx("float64")
        assert dtype_of(tg.tensor([1, 2])) == "float64"
        assert dtype_of(tg.tensor(np.array([1.0], dtype=np.float32))) == "float32"  # floats keep their dtype
    finally:
        config.set_floatx(previous)
    with pytest.raises(ValueError, match="floatx"):
        config.set_floatx("float8")


def test_backend_arrays_and_tensors_keep_their_float_dtype(backend):
    xp = get_backend(backend).xp
    t = tg.Tensor(xp.asarray(np.array([1.0, 2.0]), dtype=xp.float64))
    assert t.backend.name == backend and dtype_of(t) == "float64"
    ints = tg.Tensor(xp.asarray(np.array([1, 2]), dtype=xp.int64))
    assert dtype_of(ints) == "float32"
    assert dtype_of(tg.Tensor(t)) == "float64"


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int32", "int64", "uint8", "bool"])
def test_explicit_dtypes(dtype, backend):
    if dtype == "float16" and backend == "array_api_strict":  # the Array API standard has no float16
        with pytest.raises(TypeError, match="no dtype 'float16'"):
            tg.tensor([0, 1, 1], dtype=dtype, backend=backend)
        return
    t = tg.tensor([0, 1, 1], dtype=dtype, backend=backend)
    assert dtype_of(t) == dtype
    assert t.numpy().tolist() == np.asarray([0, 1, 1], dtype=dtype).tolist()


def test_explicit_dtype_objects():
    assert dtype_of(tg.tensor([1], dtype=np.float64)) == "float64"
    assert dtype_of(tg.tensor([1], dtype=np.dtype("int16"))) == "int16"


def test_construction_copies_the_data(backend):
    source = np.array([1.0, 2.0])
    t = tg.tensor(source, backend=backend)
    source[0] = 100.0
    assert t.tolist() == [1.0, 2.0]
    u = tg.Tensor(t)
    assert u.data is not t.data
    xp = get_backend(backend).xp
    array = xp.asarray(np.array([1.0, 2.0]))
    v = tg.Tensor(array)
    assert v.data is not array


def test_tensor_from_a_tensor_is_a_new_leaf():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = tg.Tensor(x * 2.0)
    assert y.is_leaf and not y.requires_grad and y.tolist() == [2.0, 4.0]


# ------------------------------------------------------------------------------------------- bad input
@pytest.mark.parametrize("data, error, pattern", [
    ("abc", TypeError, "string"),
    (b"abc", TypeError, "string"),
    (["a", "b"], TypeError, "string"),
    ([[1.0, 2.0], [3.0]], ValueError, "ragged"),
    ([1.0, None], TypeError, "object"),
    (None, TypeError, "object"),
    ({"a": 1}, TypeError, "object"),
    (np.array([object()]), TypeError, "object"),
    (1 + 2j, TypeError, "Complex"),
    (np.array(["2020-01-01"], dtype="datetime64[D]"), TypeError, "dates"),
])
def test_bad_data_is_rejected_with_a_reason(data, error, pattern, backend):
    with pytest.raises(error, match=pattern):
        tg.tensor(data, backend=backend)


def test_bad_dtype_and_backend_arguments():
    with pytest.raises(TypeError, match="dtype"):
        tg.tensor([1.0], dtype="complex64")
    with pytest.raises(TypeError, match="dtype"):
        tg.tensor([1.0], dtype="float")
    with pytest.raises(ValueError, match=r"Unknown backend 'jax'.*numpy"):
        tg.tensor([1.0], backend="jax")


@pytest.mark.parametrize("bad", [list, 3, 2.5, object, "foo", "float8", complex, [1]])
def test_a_dtype_that_is_not_one_is_refused_by_name(bad, backend):
    # NumPy's "Cannot interpret '3' as a data type" came from deep inside; astype said only "no dtype 'foo'"
    expected = re.escape("Invalid type for argument `dtype`. Expected one of ('float16', 'float32', 'float64', "
                         "'bool', 'int8', 'int16', 'int32', 'int64', 'uint8', 'uint16', 'uint32', 'uint64')")
    received = re.escape(f"Received dtype={bad!r}")
    with pytest.raises(TypeError, match=f"^{expected}.*{received}"):
        tg.tensor([1.0], dtype=bad, backend=backend)
    with pytest.raises(TypeError, match=f"^{expected}.*{received}"):
        tg.tensor([1.0], backend=backend).astype(bad)
    with pytest.raises(TypeError, match=f"^{expected}.*Received dtype=None"):  # NumPy would read None as float64
        tg.tensor([1.0], backend=backend).astype(None)


@pytest.mark.parametrize("name", ["float32", "float64", "int32", "int64", "uint8", "bool"])
def test_torch_dtypes_are_accepted_by_name(name, backend):
    torch = pytest.importorskip("torch")
    data = [0.0, 1.0, 2.5]
    reference = torch.tensor(data, dtype=getattr(torch, name))
    t = tg.tensor(data, dtype=getattr(torch, name), backend=backend)
    assert dtype_of(t) == str(reference.dtype).removeprefix("torch.") == name
    np.testing.assert_array_equal(t.numpy(), reference.numpy())
    cast = tg.tensor(data, backend=backend).astype(getattr(torch, name))
    assert dtype_of(cast) == name
    np.testing.assert_array_equal(cast.numpy(), torch.tensor(data).to(getattr(torch, name)).numpy())


def test_torch_dtypes_without_a_counterpart_are_refused_by_name(backend):
    torch = pytest.importorskip("torch")
    for bad in (torch.bfloat16, torch.complex64):
        with pytest.raises(TypeError, match=re.escape("`dtype`. Expected one of ('float16', ") + ".*" +
                           re.escape(f"Received dtype={bad!r} of type torch.dtype")):
            tg.tensor([1.0], dtype=bad, backend=backend)
        with pytest.raises(TypeError, match=re.escape(f"Received dtype={bad!r}")):
            tg.tensor([1.0], backend=backend).astype(bad)


def test_an_integer_tensor_beside_a_float_number_promotes_as_torch():
    """``counts * 0.5`` had been refused; PyTorch gives float32 (its default dtype) ``[0.5, 1.0]``."""
    counts = tg.tensor([1, 2], dtype="int64")
    assert (counts + 1).tolist() == [2, 3] and dtype_name((counts + 1).dtype) == "int64"
    assert (counts * 0.5).tolist() == [0.5, 1.0] and dtype_name((counts * 0.5).dtype) == "float32"
    with pytest.raises(TypeError, match="an int8 tensor cannot be combined with the number 200"):
        tg.tensor([1, 2], dtype="int8") + 200       # (PyTorch wraps it: [-55, -54])
    mask = tg.tensor([True, False], dtype="bool")     # a bool tensor computes as torch: 0 and 1 in float32 here
    assert (mask * 1.5).tolist() == [1.5, 0.0] and dtype_name((mask * 1.5).dtype) == "float32"


# ------------------------------------------------------------------------------------------- attributes, methods
def test_attributes(backend):
    t = tg.tensor(np.zeros((2, 3, 4)), backend=backend)
    assert t.shape == (2, 3, 4) and t.ndim == 3 and t.size == 24 and len(t) == 2
    assert t.backend.name == backend and t.requires_grad is False and t.grad is None and t.is_leaf
    assert str(t.dtype).endswith("float64")
    with pytest.raises(TypeError, match="0-d"):
        len(tg.tensor(1.0))


def test_numpy_item_tolist(backend):
    t = tg.tensor([[1.5, 2.0]], backend=backend)
    assert isinstance(t.numpy(), np.ndarray) and t.numpy().tolist() == [[1.5, 2.0]]
    assert np.asarray(t).tolist() == [[1.5, 2.0]]
    assert tg.tensor([[4.0]], backend=backend).item() == 4.0
    assert isinstance(tg.tensor(4.0, backend=backend).item(), float)
    with pytest.raises(ValueError, match=r"one element.*\(1, 2\)"):
        t.item()


def test_truth_value(backend):
    assert bool(tg.tensor(1.0, backend=backend)) is True
    with pytest.raises(ValueError, match="ambiguous"):
        bool(tg.tensor([1.0, 2.0], backend=backend))


def test_detach_shares_data_without_graph(backend):
    x = tg.tensor([1.0], requires_grad=True, backend=backend)
    d = (x * 2.0).detach()
    assert not d.requires_grad and d.is_leaf and d.tolist() == [2.0]


@pytest.mark.parametrize("target", ["numpy", "array_api_strict"])
def test_to_moves_between_backends(target, backend):
    x = tg.tensor(np.array([1.0, 2.0], dtype=np.float32), backend=backend, requires_grad=True)
    y = x.to(target)
    assert y.backend.name == target and dtype_of(y) == "float32" and y.tolist() == [1.0, 2.0]
    assert y.requires_grad
    assert (y is x) == (target == backend)


def _other(backend):
    return "array_api_strict" if backend == "numpy" else "numpy"


def test_to_is_differentiable_as_in_pytorch(backend):
    """``x.to(other)`` is an op's output, as PyTorch's ``x.to(device)`` (``ToCopyBackward0``): the gradient of a
    loss computed on the other backend reaches ``x`` on its own backend; the copy itself keeps none. (It was a
    leaf with ``requires_grad`` before 2026-12-05: the gradient stopped at the copy, and ``x.grad`` stayed None.)"""
    data = np.array([1.5, -0.0, 2.0, -3.0])
    x = tg.tensor(data, dtype="float64", backend=backend, requires_grad=True)
    y = x.to(_other(backend))
    assert not y.is_leaf and y.requires_grad
    ((y * y).sum() + y.tanh().sum()).backward()
    expected = 2 * data + 1 - np.tanh(data) ** 2          # d/dx (x^2 + tanh x), by hand
    assert x.grad.backend.name == backend and dtype_of(x.grad) == "float64"
    with pytest.warns(UserWarning, match="not a leaf"):
        assert y.grad is None
    np.testing.assert_allclose(x.grad.numpy(), expected, rtol=1e-15)
    z = x.to(_other(backend)).to(backend)             # there and back: still one graph
    (z * 3.0).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), expected + 3.0, rtol=1e-15)


def test_to_copies_the_values_and_keeps_special_points(backend):
    data = np.array([np.nan, np.inf, -np.inf, -0.0, 0.0, 1e-45], dtype=np.float32)
    x = tg.tensor(data, backend=backend)
    y = x.to(_other(backend))
    moved = y.numpy()
    assert moved.dtype == np.float32 and not np.shares_memory(moved, x.numpy())
    np.testing.assert_array_equal(moved, data)
    assert np.array_equal(np.signbit(moved), np.signbit(data))
    rank0 = tg.tensor(np.float64(-0.0), dtype="float64", backend=backend).to(_other(backend))
    assert rank0.shape == () and np.signbit(rank0.numpy())


def test_to_records_nothing_without_a_gradient(backend):
    x = tg.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    with tg.no_grad():
        y = x.to(_other(backend))
    assert not y.requires_grad and y.is_leaf          # as torch: x.to(...) under no_grad() is a leaf
    assert not tg.tensor([1.0], backend=backend).to(_other(backend)).requires_grad
    assert not tg.tensor([1, 2], dtype="int32", backend=backend).to(_other(backend)).requires_grad


def test_to_an_unknown_backend_is_a_clear_error():
    with pytest.raises(ValueError, match="jax"):
        tg.tensor([1.0], requires_grad=True).to("jax")
    with pytest.raises(TypeError, match=r"Received backend=\[1\]"):
        tg.tensor([1.0]).to([1])


def test_to_none_keeps_the_tensor_and_a_dtype_casts_as_torch(backend):
    """As PyTorch's ``t.to(None)``: nothing to move (it went to the default backend); ``t.to("float64")`` and
    ``t.to(torch.float64)`` cast, as PyTorch's ``t.to(dtype)`` (they were refused, pointing to ``astype``; before
    that ``"float64"`` said "Unknown backend 'float64'")."""
    torch = pytest.importorskip("torch", reason="PyTorch's Tensor.to is the reference")
    x = tg.tensor([1.5, -2.0], backend=backend, requires_grad=True)
    t = torch.tensor([1.5, -2.0], requires_grad=True)
    assert x.to(None) is x and x.to(backend) is x
    assert x.to("float32") is x and t.to(torch.float32) is t            # nothing to do: the tensor itself
    for ours, theirs in ((x.to("float64"), t.to(torch.float64)), (x.to(torch.float64), t.to(torch.float64)),
                         (x.to("cpu", "float64"), t.to("cpu", torch.float64)),
                         (x.to(device="cpu", dtype=torch.int32), t.to(device="cpu", dtype=torch.int32)),
                         (x.to(tg.tensor([1], dtype="int64", backend=backend)), t.to(torch.tensor([1]))),
                         (x.to(tg.tensor([1.0], dtype="float64", backend=backend)),
                          t.to(torch.tensor([1.0], dtype=torch.float64)))):
        assert dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
        assert ours.tolist() == theirs.tolist() and ours.requires_grad == theirs.requires_grad
    y, ty = x.to("float64"), t.to(torch.float64)
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert x.grad.tolist() == t.grad.tolist() and dtype_name(x.grad.dtype) == "float32"


def test_to_takes_torchs_keywords_and_copy(backend):
    """``device=``, ``non_blocking=`` and ``copy=`` as PyTorch's (they raised a bare unexpected-keyword TypeError);
    ``copy=True`` gives a new tensor, still in the graph."""
    x = tg.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    assert x.to(device="cpu") is x and x.to("cpu", non_blocking=True) is x
    assert x.to(dtype="float32", non_blocking=False) is x
    y = x.to("cpu", copy=True)
    assert y is not x and y.tolist() == [1.0, 2.0] and y.requires_grad and not y.is_leaf
    (y * 3).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_to_with_bad_arguments_is_a_clear_error():
    x = tg.tensor([1.0])
    with pytest.raises(TypeError, match="Invalid type for argument `device` of to.*device first"):
        x.to("float64", "cpu")
    with pytest.raises(TypeError, match="Invalid type for argument `dtype` of to.*Received dtype='cpu'"):
        x.to("cpu", "cpu")
    with pytest.raises(TypeError, match="Invalid type for argument `dtype` of to.*both"):
        x.to("float64", dtype="float16")
    with pytest.raises(TypeError, match="Invalid type for argument `non_blocking` of to.*Received non_blocking=1"):
        x.to("cpu", non_blocking=1)
    with pytest.raises(TypeError, match="Invalid type for argument `args` of to.*at most two"):
        x.to("cpu", "float64", False)
    with pytest.raises(TypeError, match="Invalid type for argument `other` of to"):
        x.to(tg.tensor([1]), "float64")
    with pytest.raises(TypeError, match="Invalid type for argument `dtype` of to.*Received dtype=3"):
        x.to(dtype=3)


def test_repr_shows_values_dtype_and_flags():
    assert repr(tg.tensor([1.0, 2.0], requires_grad=True)) == \
        "tensor([1., 2.], dtype=float32, requires_grad=True)"
    assert "array_api_strict" in repr(tg.tensor([1.0], backend="array_api_strict"))
    # an empty tensor of rank 2 or more shows its shape (found by a tester: (0, 3) printed as tensor([]), as
    # PyTorch's size=(0, 3))
    assert repr(tg.tensor(np.zeros((0, 3)))) == "tensor([], shape=(0, 3), dtype=float64)"
    assert repr(tg.tensor(np.zeros((0,)))) == "tensor([], dtype=float64)"


def test_mixing_backends_names_both(backend):
    if backend == "numpy":
        other = "array_api_strict"
    else:
        other = "numpy"
    a, b = tg.tensor([1.0], backend=backend), tg.tensor([1.0], backend=other)
    for op in (lambda: a + b, lambda: a @ b, lambda: a < b, lambda: tg.ops.concat([a, b])):
        with pytest.raises(ValueError, match=f"{backend}.*{other}|{other}.*{backend}"):
            op()


def test_shape_mismatches_name_both_shapes(backend):
    a, b = tg.tensor(np.ones((2, 3)), backend=backend), tg.tensor(np.ones((4,)), backend=backend)
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        a + b
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        a * b
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        _ = a < b
    with pytest.raises(ValueError, match=r"\(2, 3\) and \(4,\)"):
        a @ b
    with pytest.raises(ValueError, match=r"\(2, 3\).*\(5,\)"):
        a.reshape(5)
    c, d = tg.tensor(np.ones((2, 3, 4)), backend=backend), tg.tensor(np.ones((5, 4, 2)), backend=backend)
    with pytest.raises(ValueError, match=r"\(2, 3, 4\) and \(5, 4, 2\)"):
        c @ d


def test_iteration_over_the_first_axis(backend):
    rows = [r.tolist() for r in tg.tensor([[1.0, 2.0], [3.0, 4.0]], backend=backend)]
    assert rows == [[1.0, 2.0], [3.0, 4.0]]


def test_copy_and_deepcopy_of_leaves(backend):
    import copy

    x = tg.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    x.name = "w"
    (x * x).sum().backward()
    for y in (copy.deepcopy(x), copy.copy(x)):
        assert y.tolist() == [1.0, 2.0] and y.requires_grad and y.name == "w" and y.backend is x.backend
        assert y.grad.tolist() == [2.0, 4.0] and y.data is not x.data and y.grad.data is not x.grad.data
    with pytest.raises(RuntimeError, match="leaf"):
        copy.deepcopy(x * 2.0)


def test_pickle_of_leaves_and_a_clear_error_for_op_outputs(backend):
    import pickle

    x = tg.tensor([1.0, 2.0], backend=backend, requires_grad=True)
    x.name = "w"
    (x * x).sum().backward()
    y = pickle.loads(pickle.dumps(x))
    assert y.tolist() == [1.0, 2.0] and y.requires_grad and y.name == "w" and y.dtype == x.dtype
    assert y.backend is x.backend and y.grad.tolist() == [2.0, 4.0]
    assert pickle.loads(pickle.dumps(x.backend)) is x.backend
    with pytest.raises(TypeError, match=r"made by an op.*detach\(\)"):      # torch drops the graph silently
        pickle.dumps(x * 2.0)
    assert pickle.loads(pickle.dumps((x * 2.0).detach())).tolist() == [2.0, 4.0]


def test_name_and_constraint_attributes_default_to_none():
    t = tg.tensor([1.0])
    assert t.name is None and t.constraint is None
    t.name = "w"
    assert t.name == "w" and tg.tensor([1.0]).name is None


# ------------------------------------------------------------------------------------------- memory sharing
def test_construction_copies_like_torch_tensor(backend):
    """``tg.tensor``/``Tensor`` copy the caller's array, as ``torch.tensor`` does (``torch.as_tensor`` would not)."""
    torch = pytest.importorskip("torch")
    for make in (tg.tensor, tg.Tensor):
        ours, theirs = np.array([1.0, 2.0]), np.array([1.0, 2.0])
        t, reference = make(ours, backend=backend), torch.tensor(theirs)
        ours[0] = theirs[0] = 100.0
        assert t.tolist() == reference.tolist() == [1.0, 2.0]


def test_numpy_shares_memory_on_the_cpu_backends_like_torch(backend):
    torch = pytest.importorskip("torch")
    reference = torch.tensor([1.0, 2.0])
    reference.numpy()[0] = 5.0
    t = tg.tensor([1.0, 2.0], backend=backend)
    view = t.numpy()
    view[0] = 5.0
    expected = reference.tolist() if backend != "cupy" else [1.0, 2.0]  # a GPU tensor's .numpy() is a copy
    assert t.tolist() == expected
    snapshot = t.tolist()
    t.tolist()[0] = -1.0  # tolist and item are always copies
    assert t.tolist() == snapshot


def test_array_protocol_honours_numpy_2_copy_argument(backend):
    t = tg.tensor([1.0, 2.0], backend=backend)
    on_cpu = backend != "cupy"
    assert np.shares_memory(np.asarray(t), t.numpy()) == on_cpu  # copy=None: only when needed
    copied = np.array(t, copy=True)
    assert not np.shares_memory(copied, t.numpy())
    copied[0] = 9.0
    assert t.tolist() == [1.0, 2.0]
    if on_cpu:
        assert np.shares_memory(np.array(t, copy=False), t.numpy())
        assert np.shares_memory(np.asarray(t, dtype="float32"), t.numpy())  # same dtype: no copy needed
    else:
        with pytest.raises(ValueError, match="copy=False.*GPU|GPU.*copy=False"):
            np.array(t, copy=False)
    cast = np.asarray(t, dtype="float64")
    assert cast.dtype == np.float64 and cast.tolist() == [1.0, 2.0] and not np.shares_memory(cast, t.numpy())
    with pytest.raises(ValueError, match="without copying.*float32 to float64.*copy=False"):
        np.array(t, dtype="float64", copy=False)


def test_array_protocol_agrees_with_numpy_own_arrays():
    """``np.array(x, copy=...)`` on a tensor shares memory exactly when it does on the tensor's NumPy data."""
    t = tg.tensor([1.0, 2.0], backend="numpy")
    data = t.numpy()
    for kwargs in ({}, {"copy": None}, {"copy": True}, {"copy": False}, {"dtype": "float32"},
                   {"dtype": "float64"}, {"dtype": "float64", "copy": True}):
        try:
            expected = np.shares_memory(np.array(data, **kwargs), data)
        except ValueError:
            with pytest.raises(ValueError, match="copy=False"):
                np.array(t, **kwargs)
            continue
        assert np.shares_memory(np.array(t, **kwargs), data) == expected, kwargs


# ------------------------------------------------------------------------------------------- float(), int()
@pytest.mark.parametrize("data", [[[2.7]], -2.7, [0.0], -0.0, [1e30], [True]])
def test_float_and_int_of_one_element_tensors_match_torch(data, backend):
    torch = pytest.importorskip("torch")
    t, reference = tg.tensor(data, backend=backend), torch.tensor(data, dtype=torch.float32)
    assert float(t) == float(reference) and isinstance(float(t), float)
    assert int(t) == int(reference) and isinstance(int(t), int)


@pytest.mark.parametrize("dtype", ["int64", "int32", "bool"])
def test_float_and_int_of_integer_and_boolean_tensors(dtype, backend):
    t = tg.tensor([1], dtype=dtype, backend=backend)
    assert float(t) == 1.0 and int(t) == 1 and isinstance(int(t), int)


@pytest.mark.parametrize("data", [[1.0, 2.0], [], [[1.0], [2.0]]])
def test_float_and_int_need_one_element(data, backend):
    torch = pytest.importorskip("torch")
    t = tg.tensor(data, backend=backend)
    for convert in (float, int):
        with pytest.raises(ValueError, match="one element"):  # torch: the same error type
            convert(torch.tensor(data))
        with pytest.raises(ValueError, match=rf"one-element.*{convert.__name__}.*shape {re.escape(str(t.shape))}"):
            convert(t)


def test_int_of_nan_and_inf_raises_like_torch_and_python():
    torch = pytest.importorskip("torch")
    for value, error in ((float("nan"), ValueError), (float("inf"), OverflowError)):
        with pytest.raises(error):
            int(torch.tensor(value))
        with pytest.raises(error):
            int(tg.tensor(value))
        np.testing.assert_equal(float(tg.tensor(value)), float(torch.tensor(value)))


# ------------------------------------------------------------------------------------------- seams, as PyTorch
def test_integer_and_bool_results_never_require_grad_like_torch():
    torch = pytest.importorskip("torch")
    x = tg.tensor([1.5, 2.5], requires_grad=True)
    tx = torch.tensor([1.5, 2.5], requires_grad=True)
    for dtype in ("int32", "int64", "bool", "uint8"):
        y, ty = x.astype(dtype), tx.to(getattr(torch, dtype))
        assert y.requires_grad is ty.requires_grad is False
        assert y.astype("float32").requires_grad is False  # nothing flows back through an integer result
    for name in ("__eq__", "__ne__", "__lt__", "__le__", "__gt__", "__ge__"):
        assert getattr(x, name)(2.0).requires_grad is getattr(tx, name)(2.0).requires_grad is False
    assert x.astype("float64").requires_grad is tx.double().requires_grad is True

    class ToInt(tg.autograd.Function):  # a user's own op with an integer output: the same rule
        @staticmethod
        def forward(ctx, a):
            return ctx.xp.astype(a, ctx.xp.int64)

        @staticmethod
        def backward(ctx, grad):
            return grad

    assert ToInt.apply(x).requires_grad is False


@pytest.mark.parametrize("value", [1.0, 5.0, -0.0])
def test_iterating_over_a_0d_tensor_raises_like_torch(value):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match="iteration over a 0-d tensor") as ours:
        list(tg.tensor(value))
    with pytest.raises(TypeError) as theirs:
        list(torch.tensor(value))
    assert str(ours.value) == str(theirs.value)
    with pytest.raises(TypeError, match="0-d"):
        for _ in tg.tensor(value):
            pass


def test_iterating_over_the_first_axis_like_torch():
    torch = pytest.importorskip("torch")
    data = [[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]
    assert [v.tolist() for v in tg.tensor(data)] == [v.tolist() for v in torch.tensor(data)]
    assert list(tg.tensor(np.zeros((0, 2)))) == []
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    sum(v * v for v in x).backward()
    assert x.grad.tolist() == [2.0, 4.0]


@pytest.mark.parametrize("other", [None, "a", b"a", object(), ["a"], {1: 2}])
def test_comparing_with_what_is_not_tensor_like_falls_back_like_torch(other):
    torch = pytest.importorskip("torch")
    for data in ([1.0], [1.0, 2.0]):
        ours, theirs = tg.tensor(data), torch.tensor(data)
        assert (ours == other) is (theirs == other) is False
        assert (ours != other) is (theirs != other) is True
        with pytest.raises(TypeError):
            ours < other  # noqa: B015 - Python's own TypeError, as for any two unrelated objects
    assert (tg.tensor([1.0]) in [None, 3]) is (torch.tensor([1.0]) in [None, 3]) is False
    assert (tg.tensor([3.0]) in [None, 3]) is (torch.tensor([3.0]) in [None, 3]) is True


def test_comparing_with_numbers_and_arrays_is_elementwise():
    x = tg.tensor([1.0, 2.0])
    assert (x == 1.0).tolist() == [True, False]
    assert (x == np.array([1.0, 3.0])).tolist() == [True, False]
    assert (x != [1.0, 2.0]).tolist() == [False, False]  # numeric lists compare as arrays (NumPy's rule)


def test_an_object_array_of_ints_that_fit_converts_like_the_ints():
    """np.array([...], dtype=object) holding Python ints used to stop with a bare StopIteration (found by a tester);
    ints that fit make the same Tensor as the int64 array of the same values, too large ones the overflow error."""
    data = np.array([[1, -2], [2**62, 0]], dtype=object)
    assert tg.Tensor(data).dtype == tg.Tensor(np.array([[1, -2], [2**62, 0]], dtype=np.int64)).dtype
    assert tg.Tensor(data).tolist() == [[1, -2], [2**62, 0]]
    with pytest.raises(ValueError, match="too large for int64"):
        tg.Tensor(np.array([1, 2**64], dtype=object))


# 2**63 .. 2**64 - 1 are uint64 in NumPy (float64 beside negative integers): found by a tester, they went through
@pytest.mark.parametrize("data", [2**70, -(2**63) - 1, [1, 2**64], [[2**100]], 2**63, [2**64 - 1], [-1, 2**63],
                                  [[True], [2**63]]], ids=repr)
def test_integers_too_large_for_int64_say_so(data):
    torch = pytest.importorskip("torch")
    with pytest.raises((RuntimeError, ValueError), match="Overflow"):  # torch 2.13: ValueError
        torch.tensor(data)
    with pytest.raises(ValueError, match="too large for int64"):
        tg.tensor(data)
    assert tg.tensor(2**63 - 1).dtype == np.float32  # in range: the conversion rule as before


@pytest.mark.parametrize("data", [[[1.5], [2**63]], [float("nan"), 2**63], [1.5, 2**64], [2**100, 2.0],
                                  [-(2**63), 1.5]], ids=repr)
def test_large_integers_beside_floats_are_floating_data_as_in_torch(data):
    """A float among the numbers makes the data floating in ``torch.tensor``, which then converts even integers
    beyond int64 (``[1.5, 2**64]`` was refused as "object type" here)."""
    torch = pytest.importorskip("torch", reason="torch.tensor is the reference for the conversion")
    expected = torch.tensor(data, dtype=torch.float64).numpy().astype(np.float32)
    np.testing.assert_array_equal(tg.tensor(data).numpy(), expected)
    # an explicit dtype reads them as torch does too
    np.testing.assert_array_equal(tg.tensor(data, dtype="float64").numpy(),
                                  torch.tensor(data, dtype=torch.float64).numpy())


def test_torch_tensors_that_require_grad_or_are_parameters_are_copied():
    """Found by a tester: ``tg.tensor(torch.ones(2, requires_grad=True))`` (and a layer called on the output of a
    torch model) raised torch's ``RuntimeError: Can't call numpy() on Tensor that requires grad``. ``torch.tensor``
    copies such a tensor; so do we, outside either autograd."""
    torch = pytest.importorskip("torch")
    source = torch.arange(6, dtype=torch.float64).reshape(2, 3).requires_grad_(True)
    for data in (source, torch.nn.Parameter(source.detach().clone())):
        t = tg.tensor(data)
        assert dtype_of(t) == "float64" and not t.requires_grad            # floating data keeps its dtype
        np.testing.assert_array_equal(t.numpy(), [[0, 1, 2], [3, 4, 5]])
    with torch.no_grad():
        source.add_(10.0)
    np.testing.assert_array_equal(t.numpy(), [[0, 1, 2], [3, 4, 5]])    # a copy: torch's in-place change stays there
    layer = tg.layers.Dense(2, use_bias=False)
    out = layer(torch.ones(1, 3, requires_grad=True))
    np.testing.assert_allclose(out.numpy(), np.ones((1, 3), np.float32) @ layer.kernel.numpy(), rtol=1e-6)


def test_torch_bfloat16_is_refused_by_name():
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError, match=r"torch\.bfloat16 tensor: tinygradconv has no bfloat16 .* t\.float\(\)"):
        tg.tensor(torch.ones(2, dtype=torch.bfloat16))


@pytest.mark.parametrize("tensor_dtype, array_dtype, value",
                         [("float16", "float32", 1e5), ("float32", "float64", 1e-10), ("int64", "float64", 0.5)])
def test_a_floating_numpy_operand_keeps_its_dtype_as_in_torch(tensor_dtype, array_dtype, value):
    """Found by a tester: float16 tensor * float32 array([1e5]) was inf (the array was cast to float16 first), and
    an int64 tensor * array([0.5]) was 0. A floating array now keeps its dtype and the result promotes, as
    torch.as_tensor(array) does in PyTorch (values and dtypes compared with torch where installed, else NumPy)."""
    t = tg.tensor(np.array([2]), dtype=tensor_dtype)
    a = np.array([value], array_dtype)
    expected = np.array([2], tensor_dtype) * a          # NumPy's promotion: the same as torch's for these pairs
    for got in (t * a, a * t):
        assert tg.backend.dtype_name(got.dtype) == expected.dtype.name
        np.testing.assert_array_equal(got.numpy(), expected)
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for type promotion")
    theirs = torch.tensor(np.array([2], tensor_dtype)) * torch.as_tensor(a)
    assert str(theirs.dtype) == f"torch.{expected.dtype.name}"
    # a list or a NumPy scalar stays a "weak" constant in the tensor's dtype, as Python numbers do in torch
    assert tg.backend.dtype_name((tg.tensor(np.array([2.0]), dtype="float16") * [3.0]).dtype) == "float16"


# Python data of an integer dtype (found by a tester: [300] as uint8 was 44, NaN as int32 -2**31, silently).
INTEGER_DATA = [([300, -1], "uint8"), ([2 ** 40], "int32"), ([float("nan")], "int32"), ([2.7, -2.7], "int32"),
                ([float("inf")], "int64"), ([1e20], "int64"), (300, "int8"), ([[1, 2], [3, 400]], "uint8"),
                ([-1], "uint64"), ([-(2.0 ** 63)], "int64"), ([True, 2], "bool"),
                ([127, -128], "int8"), ([2.0 ** 62], "int64"), ([], "int16")]


@pytest.mark.parametrize("data, dtype", INTEGER_DATA, ids=repr)
def test_python_data_an_integer_dtype_cannot_hold_is_refused_as_torch_refuses_it(data, dtype):
    torch = pytest.importorskip("torch", reason="torch.tensor is the reference for integer conversions")
    try:
        expected = torch.tensor(data, dtype=getattr(torch, dtype)).numpy()
    except (RuntimeError, OverflowError) as exc:      # OverflowError: a negative number for uint64
        assert "overflow" in str(exc).lower() or "negative" in str(exc)
        with pytest.raises(ValueError, match=rf"`data`: .* cannot be converted to {dtype} .* without overflow"):
            tg.tensor(data, dtype=dtype)
        return
    np.testing.assert_array_equal(tg.tensor(data, dtype=dtype).numpy(), expected)


def test_numpy_arrays_are_cast_to_an_integer_dtype_as_numpy_and_torch_cast_them(recwarn):
    """By hand: 300 wraps to 44 in uint8, -1 to 255 (torch.tensor casts NumPy arrays the same way), without a
    NumPy warning."""
    np.testing.assert_array_equal(tg.tensor(np.array([300, -1]), dtype="uint8").numpy(), [44, 255])
    tg.tensor(np.array([np.nan]), dtype="int32")
    assert not [w for w in recwarn if issubclass(w.category, RuntimeWarning)]


def test_two_to_the_63_is_one_more_than_int64_holds():
    """By hand (torch.tensor lets ``2.0**63`` through and makes it ``-2**63``)."""
    with pytest.raises(ValueError, match="int64"):
        tg.tensor([2.0 ** 63], dtype="int64")
    assert tg.tensor([2.0 ** 62], dtype="int64").item() == 2 ** 62


@pytest.mark.parametrize("make, error", [
    (lambda: tg.tensor([1.0, 1.0, 1.0]), ValueError),                      # another shape
    (lambda: tg.tensor([0.0, 0.0], dtype="float64"), ValueError),          # another dtype
    (lambda: np.array([1.0, 1.0], dtype=np.float32), TypeError),            # not a Tensor
    (lambda: [1.0, 1.0], TypeError),
    (lambda: tg.tensor([1.0, 1.0], backend="array_api_strict"), ValueError),  # another backend
], ids=["shape", "dtype", "ndarray", "list", "backend"])
def test_grad_can_only_be_set_to_a_tensor_like_the_tensor(make, error):
    """Found by a tester: a gradient of another shape failed later inside NumPy, one of another dtype stayed
    float64, and an array was stored as is. PyTorch refuses each when assigned (RuntimeError, TypeError)."""
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(error, match="`grad`"):
        w.grad = make()
    assert w.grad is None
    w.grad = tg.tensor([1.0, 1.0])                      # accepted, and backward accumulates into it: 1 + 2w
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [3.0, 5.0])
    w.grad = None
    assert w.grad is None
    with pytest.raises(ValueError, match="its own gradient"):     # as PyTorch
        w.grad = w
    w.grad = tg.tensor([1.0, 1.0])
    del w.grad                                                     # as PyTorch: the gradient is forgotten
    assert w.grad is None


def test_torch_refuses_the_same_gradients():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for assigning .grad")
    w = torch.tensor([1.0, 2.0], requires_grad=True)
    for bad in (torch.ones(3), torch.zeros(2, dtype=torch.float64), np.ones(2, dtype=np.float32)):
        with pytest.raises((RuntimeError, TypeError)):
            w.grad = bad


def test_a_missing_top_level_op_points_at_tg_ops_and_the_method():
    """``tg.tanh(x)`` (a PyTorch habit, found by a tester) was a bare AttributeError: the message now names
    ``tg.ops.tanh`` and ``x.tanh()``, where those exist, and stays an AttributeError (``hasattr`` is False)."""
    with pytest.raises(AttributeError, match=r"'tanh'; .* tg\.ops\.tanh\(\.\.\.\), or the Tensor method x\.tanh\(\)"):
        tg.tanh                                                   # noqa: B018
    assert tg.ops.tanh(tg.tensor([0.0])).tolist() == [0.0] and hasattr(tg.Tensor, "tanh")
    with pytest.raises(AttributeError, match=r"'conv1d'; .* tg\.ops\.conv1d\(\.\.\.\)$"):
        tg.conv1d                                                 # noqa: B018  (a function, no Tensor method)
    with pytest.raises(AttributeError, match=r"^module 'tinygradconv' has no attribute 'no_such_op'$"):
        tg.no_such_op                                             # noqa: B018
    assert not hasattr(tg, "tanh") and not hasattr(tg, "Tanh")   # a Function class is not offered as an op


@pytest.mark.parametrize("name, points_at", [("cat", "tg.ops.concat"), ("clamp", "tg.ops.clip"),
                                              ("zeros", "tg.tensor(np.zeros"), ("from_numpy", "tg.tensor(array)"),
                                              ("manual_seed", "tg.set_seed"), ("float32", "dtype='float32'"),
                                              ("nn", "tinygradconv.layers"), ("optim", "tinygradconv.optimizers")])
def test_pytorch_module_names_point_at_ours(name, points_at):
    """A tester porting a PyTorch script met plain AttributeErrors for ``tg.cat``, ``tg.zeros``, ``tg.float32``;
    each names what to write instead, and what it names exists."""
    with pytest.raises(AttributeError, match=rf"has no attribute '{name}'; .*{re.escape(points_at)}"):
        getattr(tg, name)
    assert not hasattr(tg, name)
    assert callable(tg.ops.concat) and callable(tg.ops.clip) and callable(tg.set_seed)
    assert importlib.import_module("tinygradconv.layers").Conv1DTranspose
    assert importlib.import_module("tinygradconv.optimizers").Adam
