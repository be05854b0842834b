"""Gaps a PyTorch user found in the tensor API: NumPy's non-ufunc functions on tensors that require grad, both
spellings of keepdims, ``-`` of a bool tensor, ``//``, ``%``, ``__index__`` and item assignment. References: NumPy
on the plain arrays, PyTorch 2.13 (optional, ``importorskip``), and gradients computed by hand."""
import numpy as np
import pytest

import tinygradconv as tg

VALUES = np.array([-1.0, 0.5, 2.0])

#: NumPy functions that are not ufuncs, each with the tinygradconv spelling its refusal names.
REFUSED = [
    ("clip", lambda t: np.clip(t, 0, 1), r"t\.clip\(min, max\)"),
    ("where", lambda t: np.where(t > 0, t, 0), r"tg\.ops\.where\(condition, a, b\)"),
    ("dot", lambda t: np.dot(t, t), r"a @ b"),
    ("concatenate", lambda t: np.concatenate([t, t]), r"tg\.ops\.concat\(tensors, axis\)"),
    ("stack", lambda t: np.stack([t, t]), r"tg\.ops\.stack\(tensors, axis\)"),
    ("sum", lambda t: np.sum(t), r"t\.sum\(\.\.\.\)"),
    ("mean", lambda t: np.mean(t), r"t\.mean\(\.\.\.\)"),
    ("max", lambda t: np.max(t), r"t\.max\(\.\.\.\)"),
    ("min", lambda t: np.min(t), r"t\.min\(\.\.\.\)"),
    ("linalg.norm", lambda t: np.linalg.norm(t), r"t\.norm\(p, dim\)"),
    ("tile", lambda t: np.tile(t, 2), r"t\.repeat\(\.\.\.\) \(PyTorch's name for np\.tile\)"),
    ("repeat", lambda t: np.repeat(t, 2), r"t\.repeat is PyTorch's, np\.tile's meaning"),   # not t.repeat(...)
    ("concatenate", lambda t: np.concatenate([np.ones(2), t]), r"tg\.ops\.concat"),   # the tensor second
]


@pytest.mark.parametrize("name, call, spelling", REFUSED, ids=[r[0] for r in REFUSED])
def test_numpy_functions_refuse_a_tensor_that_requires_grad(name, call, spelling):
    t = tg.tensor(VALUES, requires_grad=True)
    with pytest.raises(TypeError, match=rf"np\.{name}\(\.\.\.\) got a tensor that requires grad") as error:
        call(t)
    assert error.match(spelling) and error.match(r"t\.detach\(\)")


@pytest.mark.parametrize("name, call, spelling", REFUSED, ids=[r[0] for r in REFUSED])
@pytest.mark.filterwarnings("ignore::DeprecationWarning")    # torch's own __array__, for np.dot
def test_pytorch_refuses_the_same_calls(name, call, spelling):
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for the refusal")
    t = torch.tensor(VALUES, requires_grad=True)
    with pytest.raises((RuntimeError, TypeError)):     # "Can't call numpy() on Tensor that requires grad"
        call(t)


@pytest.mark.parametrize("name, call, spelling", REFUSED, ids=[r[0] for r in REFUSED])
def test_numpy_functions_compute_on_the_data_of_a_tensor_without_grad(name, call, spelling):
    result = call(tg.tensor(VALUES))
    assert isinstance(result, (np.ndarray, np.generic))
    np.testing.assert_array_equal(result, call(VALUES.copy()))


def test_np_split_of_a_tensor_that_requires_grad_names_chunk_and_split_with_pytorchs_meaning():
    t = tg.tensor(VALUES, requires_grad=True)
    with pytest.raises(TypeError, match=r"np\.split\(\.\.\.\) got a tensor that requires grad") as error:
        np.split(t, 3)
    assert error.match(r"t\.chunk\(n, dim\) for n equal pieces") and error.match(r"t\.split\(2\) cuts pieces of size 2")
    assert [p.tolist() for p in t.chunk(3)] == [[-1.0], [0.5], [2.0]]


def test_the_spellings_named_keep_the_gradient():
    t = tg.tensor(VALUES, requires_grad=True)
    (t.clip(0, 1).sum() + tg.ops.where(t > 0, t, 0).sum() + (t @ t) + tg.ops.concat([t, t]).sum()
     + tg.ops.stack([t, t]).sum()).backward()
    # by hand: clip 1 inside (0, 1); where 1 where t > 0; d(t.t) = 2t; concat and stack 2 each
    np.testing.assert_array_equal(t.grad.numpy(), [0 + 0 + -2 + 4, 1 + 1 + 1 + 4, 0 + 1 + 4 + 4])


def test_functions_whose_result_holds_no_gradient_take_a_tensor_that_requires_grad():
    t = tg.tensor(VALUES, requires_grad=True)
    assert np.shape(t) == (3,) and np.ndim(t) == 1 and np.size(t) == 3
    assert np.allclose(t, VALUES) and np.array_equal(t, VALUES)
    assert np.isclose(t, 0.5).tolist() == [False, True, False]
    assert np.argmax(t) == 2 and np.argmin(t) == 0 and np.count_nonzero(t) == 3
    assert np.nonzero(t > 0)[0].tolist() == [1, 2]


def test_reading_the_values_stays_allowed_with_or_without_grad():
    for t in (tg.tensor(VALUES, requires_grad=True), tg.tensor(VALUES)):
        np.testing.assert_allclose(t, VALUES)
        np.testing.assert_array_equal(np.asarray(t), VALUES)
        assert np.array(t).tolist() == VALUES.tolist()


def test_a_tensor_as_out_of_a_numpy_function_is_refused():
    with pytest.raises(TypeError, match=r"np\.sum\(\.\.\., out=\.\.\.\) cannot write into a tensor"):
        np.sum(np.ones((2, 2)), axis=0, out=tg.tensor([0.0, 0.0]))


def test_numpy_reductions_of_a_tensor_without_grad_are_those_of_its_data():
    """PyTorch raises a TypeError here, with or without grad (NumPy passes ``out=`` to ``torch.Tensor.sum``):
    a documented difference; ours are NumPy's reductions of the data."""
    data = np.array([[1.0, -2.0], [3.5, 4.0]], dtype=np.float32)
    t = tg.tensor(data)
    for f in (np.sum, np.mean, np.max, np.min):
        assert f(t) == f(data) and f(t).dtype == np.float32
        np.testing.assert_array_equal(f(t, axis=1, keepdims=True), f(data, axis=1, keepdims=True))


# ------------------------------------------------------------------ keepdims and keepdim both given
BOTH = [{"keepdims": False, "keepdim": True}, {"keepdim": True, "keepdims": False},
        {"keepdims": True, "keepdim": True}, {"keepdim": False, "keepdims": False}]


@pytest.mark.parametrize("kwargs", BOTH, ids=lambda k: ",".join(f"{n}={v}" for n, v in k.items()))
@pytest.mark.parametrize("reduce", ["sum", "mean", "max", "min"])
def test_keepdims_beside_keepdim_is_refused_in_either_order(reduce, kwargs):
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    for call in (lambda: getattr(x, reduce)(axis=1, **kwargs), lambda: getattr(tg.ops, reduce)(x, axis=1, **kwargs)):
        with pytest.raises(TypeError, match="got both `keepdims` and `keepdim`"):
            call()


@pytest.mark.parametrize("kwargs", BOTH, ids=lambda k: ",".join(f"{n}={v}" for n, v in k.items()))
@pytest.mark.parametrize("reduce", ["sum", "mean", "amax", "amin"])
def test_pytorch_refuses_both_spellings_too(reduce, kwargs):
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    with pytest.raises(TypeError):
        getattr(torch, reduce)(torch.tensor([[1.0, 2.0], [3.0, 4.0]]), 1, **kwargs)


def test_either_spelling_alone_keeps_its_meaning():
    data = np.array([[1.0, 2.0], [3.0, 5.0]])
    x = tg.tensor(data)
    for name in ("keepdims", "keepdim"):
        assert x.sum(axis=1, **{name: True}).tolist() == data.sum(axis=1, keepdims=True).tolist()
        assert x.mean(axis=0, **{name: False}).tolist() == data.mean(axis=0).tolist()
        assert x.max(axis=1, **{name: True}).tolist() == data.max(axis=1, keepdims=True).tolist()
    assert x.sum(1, True).shape == (2, 1) and x.sum(1).shape == (2,)    # NumPy's positional keepdims


# ------------------------------------------------------------------ - of a bool tensor, and ~
@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_negating_a_bool_tensor_is_a_type_error_pointing_to_invert(backend):
    pytest.importorskip(backend)
    mask = tg.tensor([True, False], dtype="bool", backend=backend)
    with pytest.raises(TypeError, match=r"dtype bool .*`~t`") as error:
        _ = -mask
    assert "numpy" not in str(error.value).lower()
    assert (~mask).tolist() == [False, True]


def test_pytorch_refuses_negating_a_bool_tensor():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    with pytest.raises(RuntimeError, match="use the `~` or `logical_not\\(\\)`"):
        _ = -torch.tensor([True, False])


def test_bool_data_without_a_dtype_is_float_and_negates():
    """The conversion rule makes bool data float32 unless ``dtype="bool"`` is given: ``-`` is then the float one."""
    assert (-tg.tensor(np.array([True, False]))).tolist() == [-1.0, -0.0]


@pytest.mark.parametrize("dtype", ["bool", "int8", "uint8", "int64"])
def test_invert_matches_numpy_and_pytorch(dtype):
    data = np.array([True, False]) if dtype == "bool" else np.array([5, 0, 3], dtype=dtype)
    result = ~tg.tensor(data, dtype=dtype)
    assert result.tolist() == (~data).tolist() and str(result.dtype) == dtype and not result.requires_grad
    torch = pytest.importorskip("torch", reason="PyTorch is the second reference")
    assert (~torch.tensor(data)).tolist() == result.tolist()


def test_invert_refuses_a_float_tensor_as_pytorch():
    with pytest.raises(TypeError, match="float32"):
        _ = ~tg.tensor([1.0])


def test_negation_keeps_its_gradient():
    x = tg.tensor([1.0, -2.0, 0.0], requires_grad=True)
    (-x * tg.tensor([1.0, 2.0, 3.0])).sum().backward()
    assert x.grad.tolist() == [-1.0, -2.0, -3.0]          # d(-x * c)/dx = -c


# ------------------------------------------------------------------ //, %, __index__, item assignment
A = np.array([-3.5, -1.0, 0.5, 2.0, 7.0, -4.0, 4.0])
B = np.array([2.0, -0.75, 0.3, -3.0, 2.0, 2.0, -2.0])


def test_floor_division_values_match_python_floats():
    x = tg.tensor(A, dtype="float64")
    assert (x // tg.tensor(B, dtype="float64")).tolist() == [a // b for a, b in zip(A.tolist(), B.tolist())]
    assert (7 // tg.tensor(B, dtype="float64")).tolist() == [7.0 // b for b in B.tolist()]
    ints = tg.tensor([-7, 7, 0], dtype="int64")
    assert (ints // 2).tolist() == [-4, 3, 0] and str((ints // 2).dtype) == "int64"   # Python: -7 // 2 == -4


def test_remainder_values_and_gradients_by_hand():
    a, b = tg.tensor(A, dtype="float64", requires_grad=True), tg.tensor(B, dtype="float64", requires_grad=True)
    out = a % b
    assert out.tolist() == [x % y for x, y in zip(A.tolist(), B.tolist())]     # Python's %, sign of b
    out.sum().backward()
    assert a.grad.tolist() == [1.0] * len(A)
    assert b.grad.tolist() == (-np.floor(A / B)).tolist()                       # d(a % b)/db = -floor(a / b)
    assert (tg.tensor([-7, 7], dtype="int64") % -2).tolist() == [-1, -1]


def test_floor_division_and_remainder_match_pytorch_at_special_values():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    from tinygradconv.ops.elementwise import SPECIAL_VALUES
    v = np.array(SPECIAL_VALUES)
    a, b = np.repeat(v, v.size), np.tile(v, v.size)
    for ours, theirs in ((lambda x, y: x // y, torch.floor_divide), (lambda x, y: x % y, torch.remainder)):
        got = ours(tg.tensor(a, dtype="float64"), tg.tensor(b, dtype="float64")).numpy()
        expected = theirs(torch.tensor(a), torch.tensor(b)).numpy()
        np.testing.assert_array_equal(got, expected)
        numbers = ~np.isnan(expected)             # (the sign of a NaN means nothing)
        np.testing.assert_array_equal(np.signbit(got[numbers]), np.signbit(expected[numbers]))   # -4.0 % 2.0: -0.0


def test_floor_division_has_no_gradient_as_in_pytorch():
    x = tg.tensor([3.0, 5.0], requires_grad=True)
    y = x // 2
    assert y.requires_grad
    with pytest.raises(RuntimeError, match=r"derivative of floor_divide .* \(a // b\)\.detach\(\)"):
        y.sum().backward()
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    with pytest.raises(RuntimeError, match="derivative for aten::floor_divide is not implemented"):
        (torch.tensor([3.0, 5.0], requires_grad=True) // 2).sum().backward()


def test_integer_division_by_zero_and_bool_operands_are_refused_as_in_pytorch():
    for call in (lambda t: t // 0, lambda t: t % 0):
        with pytest.raises(ZeroDivisionError):
            call(tg.tensor([7], dtype="int64"))
    with pytest.raises(TypeError, match="bool"):
        _ = tg.tensor([True], dtype="bool") // tg.tensor([True], dtype="bool")


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_index_of_a_0d_integer_tensor(dtype):
    n = tg.tensor(3, dtype=dtype)
    assert list(range(n)) == [0, 1, 2] and [10, 20, 30, 40][n] == 40


def test_index_refuses_floats_as_pytorch_and_more_than_0d_or_bool_unlike_it():
    """A float tensor is refused by both; a tensor of shape (1,) or a bool tensor only here, so that NumPy
    indexes with them as with their arrays (tests/test_tensor_review_fixes.py)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    for t in (tg.tensor(3.0), torch.tensor(3.0), tg.tensor([1, 2], dtype="int64"), torch.tensor([1, 2])):
        with pytest.raises(TypeError, match="(?i)only (integer tensors of a single element|0-d integer tensors)"):
            range(t)
    for t in (tg.tensor([2], dtype="int64"), tg.tensor(True, dtype="bool")):
        with pytest.raises(TypeError, match="Only 0-d integer tensors"):
            range(t)


def test_setitem_writes_where_getitem_reads():
    data = np.arange(24.0).reshape(2, 3, 4)
    x = tg.tensor(data)
    view = x.numpy()
    x[0, :, [1, 1]] = 9.0                    # PyTorch's mixed index: x[0][:, [1, 1]]
    x[x > 20] = -1.0
    x[1, 0] = tg.tensor([5.0, 6.0, 7.0, 8.0])
    expected = data.copy()
    expected[0][:, [1, 1]] = 9.0
    expected[expected > 20] = -1.0
    expected[1, 0] = [5.0, 6.0, 7.0, 8.0]
    np.testing.assert_array_equal(x.numpy(), expected)
    assert np.shares_memory(view, x.numpy()) and view[1, 0, 0] == 5.0      # in place, as torch


def test_setitem_matches_pytorch():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    ours, theirs = tg.tensor(np.arange(24.0).reshape(2, 3, 4)), torch.arange(24.0).reshape(2, 3, 4)
    for index, value in (((0, slice(None), [1, 3]), 9.0), ((Ellipsis, 0), -1.0), (([1, 0], 1), 0.5)):
        ours[index] = value
        theirs[tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)] = value
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_setitem_on_array_api_strict():
    pytest.importorskip("array_api_strict")
    x = tg.tensor(np.arange(6.0).reshape(2, 3), backend="array_api_strict")
    x[x > 2] = -1.0
    x[0, [0, 2]] = 7.0
    assert x.tolist() == [[7.0, 1.0, 7.0], [-1.0, -1.0, -1.0]]


def test_setitem_on_a_leaf_is_refused_and_under_no_grad_done():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    leaf = tg.tensor([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        leaf[0] = 5.0
    with pytest.raises(RuntimeError, match="leaf Variable that requires grad"):     # PyTorch's refusal
        torch.tensor([1.0, 2.0, 3.0], requires_grad=True)[0] = 5.0
    y, ty = leaf * 2, torch.tensor([1.0, 2.0, 3.0], requires_grad=True) * 2
    y[1] = 10.0                             # an op's output: recorded (CopySlices), tests/test_copy_slices.py
    ty[1] = 10.0
    assert y.tolist() == ty.tolist() and y.grad_fn.name() == "CopySlices"
    with tg.no_grad():
        leaf[0] = 5.0
    assert leaf.tolist() == [5.0, 2.0, 3.0] and leaf.requires_grad and leaf.is_leaf


def test_the_out_of_place_spelling_keeps_both_gradients_as_pytorchs_in_place_one():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    x, v = tg.tensor([1.0, 2.0, 3.0], requires_grad=True), tg.tensor(10.0, requires_grad=True)
    y = tg.ops.where(tg.tensor([False, True, False], dtype="bool"), v, x * 2)
    y.sum().backward()
    tx, tv = torch.tensor([1.0, 2.0, 3.0], requires_grad=True), torch.tensor(10.0, requires_grad=True)
    ty = tx * 2
    ty[1] = tv
    ty.sum().backward()
    assert y.tolist() == ty.tolist() and x.grad.tolist() == tx.grad.tolist() and v.grad.item() == tv.grad.item()


def test_setitem_after_a_graph_saved_the_tensor_is_caught_by_backward():
    x, c = tg.tensor([1.0, 2.0], requires_grad=True), tg.tensor([3.0, 4.0])
    loss = (x * c).sum()                     # saves c for d/dx
    c[0] = 100.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        loss.backward()


def test_setitem_refuses_what_would_change_the_value():
    x = tg.tensor([1, 2, 3], dtype="int64")
    with pytest.raises(TypeError):
        x[0] = 2.7                           # PyTorch truncates to 2 silently
    with pytest.raises(TypeError, match=r"tensor\(2\.7, dtype=float64\) cannot be written into an int64"):
        x[0] = tg.tensor(2.7, dtype="float64")      # (a 0-d tensor holding 2.0 writes 2, as PyTorch: s50)
    with pytest.raises(TypeError, match="float64 value cannot be written into an int64"):
        x[:2] = tg.tensor([2.0, 3.0], dtype="float64")
    with pytest.raises(ValueError, match=r"shape \(2,\) does not broadcast to the shape of t\[index\], \(3,\)"):
        tg.tensor(np.zeros((2, 3)))[0] = [1.0, 2.0]


def test_concat_and_stack_take_pytorchs_dim():
    """``tg.ops.concat([x, x], dim=1)`` was "unexpected keyword argument 'dim'" for a tester porting torch.cat,
    though the reductions take ``dim``; against torch.cat and torch.stack."""
    torch = pytest.importorskip("torch")
    a, b = np.arange(6.0).reshape(2, 3), np.arange(6.0, 12.0).reshape(2, 3)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    np.testing.assert_array_equal(tg.ops.concat([a, b], dim=1).numpy(), torch.cat([ta, tb], dim=1).numpy())
    np.testing.assert_array_equal(tg.ops.stack([a, b], dim=-1).numpy(), torch.stack([ta, tb], dim=-1).numpy())
    with pytest.raises(TypeError, match=r"concat\(\) got both `axis` and `dim`"):
        tg.ops.concat([a, b], axis=1, dim=0)
