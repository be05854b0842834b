"""PyTorch habits on tensors, found by a student tester and a builder: ``t.data = ...`` (checked as PyTorch checks
it), ``t.size()`` beside NumPy's ``t.size``, the cast methods (``float``, ``double``, ``half``, ``long``), ``pow``,
``t()``, ``numel``, ``dim``, the in-place ``zero_``/``abs_``, ``item()``'s message, ``tg.ops.neg`` of a bool tensor,
``tg.ops.floor_divide``/``remainder`` and ``divmod``. References: PyTorch 2.13 (``importorskip``: skipped visibly
without it), Python's own ``divmod`` on floats, NumPy, and gradients computed by hand."""
import math
import pickle

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import dtype_name


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the reference of the PyTorch habits")


# ------------------------------------------------------------------------------------------------ t.data = ...
def test_integer_data_for_a_tensor_that_requires_grad_is_refused_as_in_torch(torch):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"Invalid type for argument `data`.*requires grad.*floating-point.*int64"):
        x.data = np.ones(3, dtype=int)
    assert x.tolist() == [1.0, 2.0, 3.0] and dtype_name(x.dtype) == "float32" and x.requires_grad   # unchanged
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="must be floating point"):
        t.data = torch.from_numpy(np.ones(3, dtype=int))


@pytest.mark.parametrize("new", [np.ones(5, dtype=np.float32), np.ones(3, dtype=np.float64),
                                 np.ones((2, 2), dtype=np.float16)])
def test_data_of_another_shape_or_float_dtype_is_taken_as_in_torch(torch, new):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.grad = tg.tensor([1.0, 1.0, 1.0])
    x.data = new
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    t.grad = torch.ones(3)
    t.data = torch.from_numpy(new)
    assert x.shape == tuple(t.shape) and dtype_name(x.dtype) == str(t.dtype).removeprefix("torch.")
    assert x.requires_grad and t.requires_grad and x.is_leaf and t.is_leaf
    assert x.grad.tolist() == t.grad.tolist() == [1.0, 1.0, 1.0]         # the old gradient stays, in both
    assert np.shares_memory(x.numpy(), new)                              # the tensor holds the array itself


def test_a_tensor_as_data_gives_its_array_but_not_its_graph_as_in_torch(torch):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    z = tg.tensor([5.0, 6.0, 7.0], requires_grad=True)
    doubled = z * 2
    x.data = doubled
    t, tz = torch.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor([5.0, 6.0, 7.0], requires_grad=True)
    t.data = tz * 2
    assert x.tolist() == t.tolist() == [10.0, 12.0, 14.0]
    assert x.is_leaf and t.is_leaf and x.requires_grad and t.requires_grad
    assert np.shares_memory(x.numpy(), doubled.detach().numpy())
    (x * x).sum().backward()
    assert x.grad.tolist() == [20.0, 24.0, 28.0] and z.grad is None


def test_a_tensor_that_does_not_require_grad_takes_integer_data_as_in_torch(torch):
    x = tg.tensor([1.0, 2.0, 3.0])
    x.data = np.array([4, 5, 6])
    t = torch.tensor([1.0, 2.0, 3.0])
    t.data = torch.tensor([4, 5, 6])
    assert x.tolist() == t.tolist() and dtype_name(x.dtype) == "int64" == str(t.dtype).removeprefix("torch.")


@pytest.mark.parametrize("value, match", [([1.0, 2.0], "builtins.list"), (5.0, "builtins.float"),
                                          (object(), "builtins.object"),
                                          (np.ones(2, dtype=complex), "complex128"),
                                          (np.array(["a"]), "dtype <U1|str")])
def test_data_that_is_not_an_array_of_a_tensor_dtype_is_refused(torch, value, match):
    x = tg.tensor([1.0, 2.0, 3.0])
    with pytest.raises(TypeError, match=rf"Invalid type for argument `data`.*(?:{match})"):
        x.data = value
    assert x.tolist() == [1.0, 2.0, 3.0]
    if isinstance(value, (list, float, object)) and not isinstance(value, np.ndarray):
        with pytest.raises(TypeError, match="has to be a tensor"):          # PyTorch refuses them too
            torch.tensor([1.0, 2.0, 3.0]).data = value


def test_data_of_another_backend_moves_the_tensor_there():
    """As PyTorch's ``t.data = t.data.cuda()`` moves ``t`` to the GPU (its ``Module._apply`` did so): a tensor, or an
    array, of another backend brings the tensor to that backend. (PyTorch has no second CPU backend to compare.)"""
    pytest.importorskip("array_api_strict")
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    x.data = tg.tensor([4.0, 5.0], backend="array_api_strict")
    assert x.backend.name == "array_api_strict" and x.tolist() == [4.0, 5.0] and x.requires_grad
    (x * x).sum().backward()
    assert x.grad.tolist() == [8.0, 10.0] and x.grad.backend.name == "array_api_strict"
    x.data = np.array([1.0], dtype=np.float32)
    assert x.backend.name == "numpy" and x.tolist() == [1.0]


def test_a_numpy_scalar_is_taken_as_a_0d_array():
    """NumPy's arithmetic on 0-d arrays gives scalars (``np.ones(()) * 2`` is a ``np.float64``): an update of a 0-d
    parameter written as ``w.data = w.data * 2`` works."""
    w = tg.tensor(3.0, requires_grad=True)
    w.data = w.data * np.float32(2)
    assert w.item() == 6.0 and w.shape == () and isinstance(w.data, np.ndarray)


def test_a_backward_after_the_data_changed_is_refused_where_torch_uses_the_new_values(torch):
    """It used the saved values, 2x at the forward pass's x, where PyTorch uses the new ones (and, for an op that
    saved its result, the old ones): refused now (more in test_engine_corners_s43)."""
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    x.data = np.full(3, 10.0, dtype=np.float32)
    with pytest.raises(RuntimeError,
                       match=r"The \.data of an input of Mul was replaced \(`t\.data = \.\.\.`, or an optimizer"):
        y.sum().backward()
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ty = t * t
    t.data = torch.full((3,), 10.0)
    ty.sum().backward()
    assert t.grad.tolist() == [20.0, 20.0, 20.0]          # PyTorch: 2x at the new x


def test_a_backward_after_the_data_changed_shape_raises_as_in_torch(torch):
    x = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    y = x * x
    x.data = np.ones(5, dtype=np.float32)
    with pytest.raises(RuntimeError, match=r"The \.data of an input of Mul was replaced"):
        y.sum().backward()
    t = torch.tensor([1.0, 2.0, 3.0], requires_grad=True)
    ty = t * t
    t.data = torch.ones(5)
    with pytest.raises(RuntimeError):
        ty.sum().backward()


def test_an_optimizer_step_on_a_0d_parameter_still_works():
    w = tg.tensor(2.0, requires_grad=True)
    (w * w).backward()
    tg.optimizers.SGD(learning_rate=0.25).apply_gradients([(w.grad, w)])
    assert w.item() == 1.0 and w.shape == ()                   # 2 - 0.25 * (2 * 2)


# ------------------------------------------------------------------------------------------------ size, numel, dim
def test_size_is_numpys_int_and_torchs_method(torch):
    data = np.arange(6.0).reshape(2, 3)
    x, t = tg.tensor(data), torch.tensor(data)
    assert x.size == 6 == data.size and isinstance(x.size, int) and x.size + 1 == 7
    assert np.zeros(x.size).shape == (6,) and f"{x.size}" == "6" and repr(x.size) == "6"
    assert x.size() == tuple(t.size()) == (2, 3) and x.size(None) == tuple(t.size(None))
    for dim in (0, 1, -1, -2):
        assert x.size(dim) == t.size(dim) and x.size(dim=dim) == t.size(dim=dim)
    assert x.numel() == t.numel() == 6 and x.dim() == t.dim() == 2
    assert type(pickle.loads(pickle.dumps(x.size))) is int and pickle.loads(pickle.dumps(x.size)) == 6


@pytest.mark.parametrize("call, ours_error, match", [
    (lambda x: x.size(2), IndexError, r"`dim` must be in \[-2, 1\]"),
    (lambda x: x.size(-3), IndexError, r"`dim` must be in \[-2, 1\]"),
    (lambda x: x.size(1.0), TypeError, r"Invalid type for argument `dim`.*1\.0"),
    (lambda x: x.size(True), TypeError, r"Invalid type for argument `dim`.*True"),
])
def test_size_with_a_bad_dim_raises_as_in_torch(torch, call, ours_error, match):
    with pytest.raises(ours_error, match=match):
        call(tg.tensor(np.zeros((2, 3))))
    with pytest.raises(ours_error):
        call(torch.zeros(2, 3))


def test_size_of_a_0d_tensor_as_in_torch(torch):
    x, t = tg.tensor(5.0), torch.tensor(5.0)
    assert x.size == 1 and x.size() == tuple(t.size()) == () and x.numel() == t.numel() == 1
    assert x.dim() == t.dim() == 0
    for dim in (0, -1):
        with pytest.raises(IndexError, match="has no dimensions"):
            x.size(dim)
        with pytest.raises(IndexError, match="has no dimensions"):
            t.size(dim)


# ------------------------------------------------------------------------------------------------ casts
@pytest.mark.parametrize("method, dtype", [("float", "float32"), ("double", "float64"), ("half", "float16"),
                                           ("long", "int64")])
@pytest.mark.parametrize("source", ["float32", "float64", "int64", "bool"])
def test_cast_methods_match_torch(torch, backend, method, dtype, source):
    if backend == "array_api_strict" and dtype == "float16":
        with pytest.raises(TypeError, match="no dtype 'float16'"):
            tg.tensor([1.0], backend=backend).half()
        pytest.skip("the Array API has no float16: half() raises there, as checked above")
    data = np.array([0.0, 1.0, 0.0]) if source == "bool" else np.array([-2.7, 0.5, 3.0])
    x = tg.tensor(data, dtype=source, backend=backend)
    t = torch.tensor(data.astype(source))
    y, ty = getattr(x, method)(), getattr(t, method)()
    assert dtype_name(y.dtype) == dtype == str(ty.dtype).removeprefix("torch.")
    assert y.tolist() == ty.tolist() and not y.requires_grad
    assert (y is x) == (ty is t) == (source == dtype)          # the tensor itself when nothing changes


@pytest.mark.parametrize("method", ["float", "double", "half"])
def test_float_casts_keep_the_gradient_as_in_torch(torch, method):
    data = np.array([1.0, -2.0, 3.0])
    x = tg.tensor(data, dtype="float64", requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y, ty = getattr(x, method)(), getattr(t, method)()
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert x.grad.tolist() == t.grad.tolist() == [2.0, -4.0, 6.0] and dtype_name(x.grad.dtype) == "float64"


def test_long_of_a_tensor_that_requires_grad_has_no_gradient_as_in_torch(torch):
    x = tg.tensor([2.7, -2.7], requires_grad=True)
    t = torch.tensor([2.7, -2.7], requires_grad=True)
    assert x.long().tolist() == t.long().tolist() == [2, -2]
    assert not x.long().requires_grad and not t.long().requires_grad


# ------------------------------------------------------------------------------------------------ pow, t
@pytest.mark.parametrize("exponent", [2, 0.5, -1.0, 3])
def test_pow_matches_torch_values_and_gradients(torch, backend, exponent):
    data = np.array([[0.5, 2.0, 3.0], [1.5, 4.0, 0.25]])
    x = tg.tensor(data, dtype="float64", backend=backend, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y, ty = x.pow(exponent), t.pow(exponent)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy(), rtol=1e-15)
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(x.grad.numpy(), exponent * data ** (exponent - 1), rtol=1e-15)    # by hand


def test_pow_of_a_tensor_exponent_matches_torch(torch):
    a, b = np.array([0.5, 2.0, 3.0]), np.array([2.0, -1.0, 0.5])
    x = tg.tensor(a, dtype="float64", requires_grad=True)
    e = tg.tensor(b, dtype="float64", requires_grad=True)
    t, te = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    x.pow(e).sum().backward()
    t.pow(te).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy(), rtol=1e-15)
    np.testing.assert_allclose(e.grad.numpy(), te.grad.numpy(), rtol=1e-15)
    assert tg.tensor([1, 2, 3], dtype="int64").pow(2).tolist() == torch.tensor([1, 2, 3]).pow(2).tolist()


@pytest.mark.parametrize("shape", [(), (3,), (2, 3), (1, 4)])
def test_t_matches_torch(torch, backend, shape):
    data = np.arange(math.prod(shape), dtype=float).reshape(shape)
    g = np.random.default_rng(0).standard_normal(shape[::-1])
    x = tg.tensor(data, dtype="float64", backend=backend, requires_grad=True)
    t = torch.tensor(data, requires_grad=True)
    y, ty = x.t(), t.t()
    assert y.shape == tuple(ty.shape) and y.tolist() == ty.tolist()
    (y * tg.tensor(g, dtype="float64", backend=backend)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    assert x.grad.tolist() == t.grad.tolist()


def test_t_of_more_than_two_dimensions_is_refused_as_in_torch(torch):
    with pytest.raises(ValueError, match=r"at most 2 dimensions.*\(2, 3, 4\).*transpose"):
        tg.tensor(np.zeros((2, 3, 4))).t()
    with pytest.raises(RuntimeError, match="<= 2 dimensions"):
        torch.zeros(2, 3, 4).t()


# ------------------------------------------------------------------------------------------------ zero_, abs_
def test_grad_zero_as_in_torch(torch):
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    t = torch.tensor([1.0, -2.0, 3.0], requires_grad=True)
    (x * x).sum().backward()
    (t * t).sum().backward()
    grad = x.grad
    assert grad.zero_() is grad and t.grad.zero_() is t.grad
    assert x.grad.tolist() == t.grad.tolist() == [0.0, 0.0, 0.0]
    (x * x).sum().backward()                      # the next backward accumulates into the zeros
    (t * t).sum().backward()
    assert x.grad.tolist() == t.grad.tolist() == [2.0, -4.0, 6.0]


@pytest.mark.parametrize("method", ["zero_", "abs_"])
def test_in_place_methods_refuse_a_leaf_that_requires_grad_as_in_torch(torch, method):
    x = tg.tensor([1.0, -2.0], requires_grad=True)
    with pytest.raises(RuntimeError, match=rf"leaf tensor that requires grad.*t\.{method}\(\).*no_grad"):
        getattr(x, method)()
    assert x.tolist() == [1.0, -2.0]
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):
        getattr(torch.tensor([1.0, -2.0], requires_grad=True), method)()
    with tg.no_grad():                            # as with torch.no_grad(): allowed, and in place
        assert getattr(x, method)() is x
    with torch.no_grad():
        t = torch.tensor([1.0, -2.0], requires_grad=True)
        getattr(t, method)()
    assert x.tolist() == t.tolist()


@pytest.mark.parametrize("dtype", ["float32", "float64", "int64", "int8"])
def test_abs_in_place_matches_torch(torch, backend, dtype):
    data = np.array([-3, 0, 2, -1])
    x = tg.tensor(data, dtype=dtype, backend=backend)
    t = torch.tensor(data.astype(dtype))
    memory = x.numpy()
    assert x.abs_() is x and t.abs_() is t
    assert x.tolist() == t.tolist() == [3, 0, 2, 1] and dtype_name(x.dtype) == dtype
    if backend == "numpy":
        assert memory.tolist() == [3, 0, 2, 1]           # the tensor's own memory was written


def test_zero_in_place_of_a_bool_tensor_matches_torch(torch, backend):
    x = tg.tensor([True, False], dtype="bool", backend=backend)
    assert x.zero_().tolist() == torch.tensor([True, False]).zero_().tolist() == [False, False]


def test_abs_in_place_of_an_ops_output_that_requires_grad_is_recorded_as_torch(torch):
    x, tx = tg.tensor([1.0, -2.0], requires_grad=True), torch.tensor([1.0, -2.0], requires_grad=True)
    y, ty = (x * 3).abs_(), (tx * 3).abs_()
    (y * y).sum().backward()
    (ty * ty).sum().backward()
    assert y.tolist() == ty.tolist() and x.grad.tolist() == tx.grad.tolist() == [18.0, -36.0]
    assert y.grad_fn.name() == "AbsBackward" and ty.grad_fn.name() == "AbsBackward0"
    z, tz = x * 1, tx * 1
    z[1].abs_()                                         # a view of an op's output: CopySlices, as torch
    tz[1].abs_()
    z.sum().backward()
    tz.sum().backward()
    assert z.tolist() == tz.tolist() and x.grad.tolist() == tx.grad.tolist() == [19.0, -37.0]


def test_a_write_in_place_of_a_saved_tensor_makes_backward_raise_as_in_torch(torch):
    x, c = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([-3.0, 4.0])
    t, tc = torch.tensor([1.0, 2.0], requires_grad=True), torch.tensor([-3.0, 4.0])
    y, ty = (x * c).sum(), (t * tc).sum()
    c.abs_()
    tc.abs_()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        ty.backward()


# ------------------------------------------------------------------------------------------------ item
def test_item_of_several_elements_says_what_to_write_instead(torch):
    x = tg.tensor([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]])
    with pytest.raises(ValueError, match=r"one element.*\(2, 3\) \(6 elements\).*t\.tolist\(\).*t\[i\]\.item\(\)"):
        x.item()
    with pytest.raises(RuntimeError, match="6 elements cannot be converted"):
        torch.ones(2, 3).item()
    assert x[1, 2].item() == 6.0


# ------------------------------------------------------------------------------------------------ ops
def test_ops_neg_of_a_bool_tensor_is_refused_as_the_operator_is(torch, backend):
    mask = tg.tensor([True, False], dtype="bool", backend=backend)
    for negate in (tg.ops.neg, lambda t: -t):
        with pytest.raises(TypeError, match=r"Invalid type for argument `x`.*dtype bool.*`~t`") as error:
            negate(mask)
        assert "numpy" not in str(error.value).lower()
    with pytest.raises(RuntimeError, match="on a bool tensor is not supported"):
        torch.neg(torch.tensor([True, False]))
    assert tg.ops.neg(tg.tensor([1.0, -2.0])).tolist() == [-1.0, 2.0]


@pytest.mark.parametrize("name", ["floor_divide", "remainder"])
def test_ops_export_floor_divide_and_remainder_as_torch_spells_them(torch, name):
    assert name in tg.ops.__all__ and getattr(tg.ops, name) is getattr(tg.ops.elementwise, name)
    a, b = np.array([7.0, -7.0, 7.5, -0.5]), np.array([2.0, 2.0, -2.0, 3.0])
    ours, theirs = getattr(tg.ops, name)(tg.tensor(a), tg.tensor(b)), getattr(torch, name)(torch.tensor(a),
                                                                                            torch.tensor(b))
    assert ours.tolist() == theirs.tolist()
    assert getattr(tg.ops, name)(a, 2.0).tolist() == getattr(torch, name)(torch.tensor(a), 2.0).tolist()


# ------------------------------------------------------------------------------------------------ divmod
def test_divmod_is_floor_division_and_remainder_as_pythons_divmod(torch):
    a, b = [7.0, -7.0, 7.5, -0.5, 6.0], [2.0, 2.0, -2.0, 3.0, -4.0]
    q, r = divmod(tg.tensor(a, dtype="float64"), tg.tensor(b, dtype="float64"))
    expected = [divmod(x, y) for x, y in zip(a, b)]               # Python's divmod on floats, one by one
    assert q.tolist() == [e[0] for e in expected] and r.tolist() == [e[1] for e in expected]
    q2, r2 = divmod(7.0, tg.tensor(b, dtype="float64"))           # the reflected one
    assert (q2.tolist(), r2.tolist()) == ([divmod(7.0, y)[0] for y in b], [divmod(7.0, y)[1] for y in b])
    q3, r3 = np.divmod(np.array(a), tg.tensor(b, dtype="float64"))  # an array on the left: the reflected one too
    assert isinstance(q3, tg.Tensor) and (q3.tolist(), r3.tolist()) == tuple(x.tolist() for x in np.divmod(a, b))
    with pytest.raises(TypeError, match="unsupported operand"):    # PyTorch has no divmod: the documented difference
        divmod(torch.tensor(a), 2)


def test_divmods_remainder_has_the_gradient_of_torch_remainder(torch):
    a = np.array([7.0, -7.0, 2.5])
    x = tg.tensor(a, dtype="float64", requires_grad=True)
    t = torch.tensor(a, requires_grad=True)
    divmod(x, 2)[1].sum().backward()
    torch.remainder(t, 2).sum().backward()
    assert x.grad.tolist() == t.grad.tolist() == [1.0, 1.0, 1.0]


# ------------------------------------------------------------------------------------------------ numpy() with grad
def test_a_write_through_numpy_of_a_tensor_that_requires_grad_is_refused_where_it_changed_the_gradient(torch):
    """The tester's case: the write changed the input the graph saved, so ``x.grad`` was ``[200, -4, 6]``."""
    x = tg.tensor([1.0, -2.0, 3.0], requires_grad=True)
    y = x * x
    a = x.numpy()
    with pytest.raises(ValueError, match="read-only"):
        a[0] = 100
    y.sum().backward()
    assert x.grad.tolist() == [2.0, -4.0, 6.0]                   # 2x, by hand
    assert np.shares_memory(a, x.detach().numpy()) and a.tolist() == [1.0, -2.0, 3.0]   # still read, not copied
    with pytest.raises(RuntimeError, match=r"detach\(\)\.numpy\(\)"):     # PyTorch refuses numpy() there
        torch.tensor([1.0, -2.0, 3.0], requires_grad=True).numpy()


def test_numpy_of_a_tensor_that_requires_grad_is_read_only_on_every_backend(backend):
    x = tg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    for array in (x.numpy(), np.asarray(x)):
        assert not array.flags.writeable and array.tolist() == [1.0, 2.0]
        with pytest.raises(ValueError, match="read-only"):
            array[...] = 0.0
    assert x.tolist() == [1.0, 2.0]
    for writable in (x.detach().numpy(), tg.tensor([1.0, 2.0], backend=backend).numpy(), np.array(x),
                     x.numpy().copy()):
        assert writable.flags.writeable
    copy = np.array(x)
    copy[0] = 9.0
    assert x.tolist() == [1.0, 2.0]


def test_the_read_only_array_still_shows_the_parameters_later_updates():
    w = tg.tensor([1.0, 2.0], requires_grad=True)
    view = w.numpy()
    (w * w).sum().backward()
    with tg.no_grad():
        w -= 0.25 * w.grad                                      # w - 0.25 * 2w = w / 2
    assert view.tolist() == [0.5, 1.0] and w.data.flags.writeable     # the tensor's own array stays writable


def test_a_write_through_detach_numpy_is_the_explicit_escape_hatch_as_in_torch(torch):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    x.detach().numpy()[0] = 5.0
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    t.detach().numpy()[0] = 5.0
    assert x.tolist() == t.tolist() == [5.0, 2.0]
