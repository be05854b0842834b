"""PyTorch's spellings of Tensor methods (tinygradconv/torch_methods.py) and of the reductions' arguments
(``dim=``, ``keepdim=``), on every backend: values, shapes, dtypes, gradients and errors against PyTorch itself
(the tests that need it are skipped, visibly, without it), plus a few hand-computed values that need no PyTorch."""
import ast
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import dtype_name

NAN, INF = float("nan"), float("inf")


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the reference of the PyTorch-spelled methods")


def ours(data, backend, dtype="float64", requires_grad=False):
    return tg.Tensor(np.asarray(data), dtype=dtype, backend=backend, requires_grad=requires_grad)


def assert_like_torch(torch, backend, shape, method, *args, **kwargs):
    """``x.method(*args, **kwargs)`` here and in PyTorch, on the same random float64 data: the same shape, values
    (equal, or for a sum or mean within a rounding: the order of the additions differs) and dtype, and the same
    gradient of ``sum(y * g)`` for a random ``g``."""
    compare = np.testing.assert_array_equal
    if method in ("sum", "mean"):
        def compare(a, b):
            np.testing.assert_allclose(a, b, rtol=1e-13, atol=1e-15)
    rng = np.random.default_rng(0)
    data = rng.standard_normal(shape)
    x, t = ours(data, backend, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = getattr(x, method)(*args, **kwargs), getattr(t, method)(*args, **kwargs)
    assert y.shape == tuple(ty.shape)
    assert dtype_name(y.dtype) == "float64"
    compare(y.numpy(), ty.detach().numpy())
    g = rng.standard_normal(y.shape)
    (y * ours(g, backend)).sum().backward()
    (ty * torch.tensor(g)).sum().backward()
    compare(x.grad.numpy(), t.grad.numpy())


def assert_both_raise(torch, ours_error, torch_error, call, data=None, match=None):
    """``call(x)`` raises ``ours_error`` here (its message matching ``match``) and ``torch_error`` in PyTorch."""
    data = np.zeros((2, 3)) if data is None else np.asarray(data)
    with pytest.raises(torch_error):
        call(torch.tensor(data))
    with pytest.raises(ours_error, match=match):
        call(tg.tensor(data))


# ------------------------------------------------------------------------------------------------------ view
@pytest.mark.parametrize("shape, args", [
    ((2, 3), (3, 2)), ((2, 3), ((3, 2),)), ((2, 3), ([6],)), ((2, 3), (-1,)), ((2, 3), (1, -1, 3)),
    ((2, 3, 4), (4, -1)), ((), (1, 1)), ((1, 1), ((),)), ((1,), [()]), ((0, 3), (3, 0)), ((0, 3), (-1,)),
    ((0, 3), (2, 0, 5)),
])
def test_view_matches_torch(torch, backend, shape, args):
    assert_like_torch(torch, backend, shape, "view", *args)


def test_view_of_a_transposed_tensor_copies_where_torch_refuses(torch, backend):
    """The documented difference: PyTorch's view refuses a non-contiguous tensor; ours reshapes (a copy), with
    the values and gradient of PyTorch's reshape."""
    data = np.arange(6.0).reshape(2, 3)
    with pytest.raises(RuntimeError, match="reshape"):
        torch.tensor(data).T.view(6)
    x, t = ours(data, backend, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = x.transpose().view(6), t.T.reshape(6)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    (y * ours(np.arange(6.0), backend)).sum().backward()
    (ty * torch.arange(6.0, dtype=torch.float64)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


def test_view_shares_memory_when_numpy_can():
    x = ours([[1.0, 2.0], [3.0, 4.0]], "numpy")
    assert np.shares_memory(x.view(4).numpy(), x.numpy())


def test_view_keeps_the_dtype(backend):
    x = tg.tensor([[1, 2], [3, 4]], dtype="int32", backend=backend)
    y = x.view(-1)
    assert dtype_name(y.dtype) == "int32" and y.tolist() == [1, 2, 3, 4]


@pytest.mark.parametrize("call, ours_error, torch_error, match", [
    (lambda x: x.view(), TypeError, TypeError, r"needs the new shape"),
    (lambda x: x.view(2.0, 3), TypeError, TypeError, r"shape"),
    (lambda x: x.view(True, 6), TypeError, TypeError, r"shape"),
    # the message names view (a tester: it said "reshape: cannot reshape"); PyTorch's is a RuntimeError
    (lambda x: x.view(4), ValueError, RuntimeError, r"^view: cannot view a tensor of shape \(2, 3\) \(6 el.* \(4,\)"),
    (lambda x: x.view((4,)), ValueError, RuntimeError, r"^view: cannot view .* into shape \(4,\)"),
    (lambda x: x.view(-1, -1), ValueError, RuntimeError, r"^view: cannot view .* shape \(-1, -1\)"),
    (lambda x: x.view(-2, 3), ValueError, RuntimeError, r"shape"),
])
def test_view_bad_input(torch, call, ours_error, torch_error, match):
    assert_both_raise(torch, ours_error, torch_error, call, match=match)


@pytest.mark.parametrize("shape", [(-1, 0), (2, -1, 0)])
def test_view_of_an_empty_tensor_with_an_ambiguous_minus_one(torch, shape):
    assert_both_raise(torch, ValueError, RuntimeError, lambda x: x.view(*shape), data=np.zeros((0, 3)))


@pytest.mark.parametrize("dtype", ["float16", np.float16, np.dtype("float16")])
def test_view_of_a_dtype_is_refused_with_the_cast_to_use_instead(dtype):
    with pytest.raises(TypeError, match=r"view\(dtype\) reinterprets the bits.*astype"):
        tg.tensor([1.0, 2.0]).view(dtype)


def test_view_of_a_torch_dtype_is_refused(torch):
    with pytest.raises(TypeError, match=r"view\(dtype\).*torch.float16"):
        tg.tensor([1.0, 2.0]).view(torch.float16)


def test_view_takes_a_torch_size(torch):
    assert tg.tensor(np.zeros(6)).view(torch.Size([3, 2])).shape == (3, 2)


# --------------------------------------------------------------------------------------------------- flatten
@pytest.mark.parametrize("shape, args", [
    ((2, 3, 4), ()), ((2, 3, 4), (1,)), ((2, 3, 4), (-2,)), ((2, 3, 4), (0, 1)), ((2, 3, 4), (0, -2)),
    ((2, 3, 4), (1, 1)), ((2, 3, 4, 5), (1, 2)), ((), ()), ((), (0, -1)), ((), (-1, 0)), ((5,), ()),
    ((2, 0, 4), (1,)), ((0, 3), ()),
])
def test_flatten_matches_torch(torch, backend, shape, args):
    assert_like_torch(torch, backend, shape, "flatten", *args)


def test_flatten_with_keywords(torch, backend):
    assert_like_torch(torch, backend, (2, 3, 4), "flatten", start_dim=-3, end_dim=1)


def test_flatten_of_nothing_to_merge_is_the_tensor_itself_as_in_torch(torch):
    t, x = torch.zeros(2, 3), tg.tensor(np.zeros((2, 3)))
    assert t.flatten(1, 1) is t and x.flatten(1, 1) is x
    t, x = torch.zeros(3), tg.tensor(np.zeros(3))
    assert t.flatten() is t and x.flatten() is x


@pytest.mark.parametrize("call, data, ours_error, torch_error, match", [
    (lambda x: x.flatten(3), np.zeros((2, 3, 4)), IndexError, IndexError,
     r"flatten: Dimension out of range: `start_dim` must be in \[-3, 2\] .* Received start_dim=3"),
    (lambda x: x.flatten(0, -4), np.zeros((2, 3, 4)), IndexError, IndexError,
     r"`end_dim` must be in \[-3, 2\] .* Received end_dim=-4"),
    (lambda x: x.flatten(1), np.asarray(5.0), IndexError, IndexError, r"in \[-1, 0\]"),
    (lambda x: x.flatten(2, 1), np.zeros((2, 3, 4)), ValueError, RuntimeError,
     r"`start_dim` comes after `end_dim`.*start_dim=2, end_dim=1"),
    (lambda x: x.flatten(1.0), np.zeros((2, 3, 4)), TypeError, TypeError, r"`start_dim`.*1.0 of type float"),
])
def test_flatten_bad_input(torch, call, data, ours_error, torch_error, match):
    assert_both_raise(torch, ours_error, torch_error, call, data=data, match=match)


# --------------------------------------------------------------------------------------------------- squeeze
@pytest.mark.parametrize("shape, args", [
    ((1, 2, 1), ()), ((1, 2, 1), (0,)), ((1, 2, 1), (1,)), ((1, 2, 1), (-1,)), ((1, 2, 1), ((0, 2),)),
    ((1, 2, 1), ([0, 1],)), ((1, 2, 1), ((),)), ((1, 2, 1), ((-3, -1),)), ((2, 3), ()), ((), ()), ((), (0,)),
    ((), (-1,)), ((), ((0,),)), ((0, 1), ()), ((1, 0, 1), (0,)), ((1, 1, 1), ()),
    ((1, 2, 1), (0, 2)), ((1, 2, 1), (-1, 0)), ((1, 2, 1), (0, 1, 2)),        # dims one by one
])
def test_squeeze_matches_torch(torch, backend, shape, args):
    assert_like_torch(torch, backend, shape, "squeeze", *args)


def test_squeeze_with_a_keyword(torch, backend):
    assert_like_torch(torch, backend, (3, 1), "squeeze", dim=-1)


@pytest.mark.parametrize("call, data, ours_error, torch_error, match", [
    (lambda x: x.squeeze(3), np.zeros((1, 2, 1)), IndexError, IndexError,
     (r"squeeze: Dimension out of range: `dim` must be in \[-3, 2\] for a tensor with 3 dimensions\. "
      r"Received dim=3")),
    (lambda x: x.squeeze(-4), np.zeros((1, 2, 1)), IndexError, IndexError, r"\[-3, 2\].*dim=-4"),
    (lambda x: x.squeeze((0, 5)), np.zeros((1, 2, 1)), IndexError, IndexError, r"dim=5"),
    (lambda x: x.squeeze(1), np.asarray(1.0), IndexError, IndexError, r"\[-1, 0\]"),
    (lambda x: x.squeeze((0, 0)), np.zeros((1, 2, 1)), ValueError, RuntimeError, r"twice.*\(0, 0\)"),
    (lambda x: x.squeeze((0, -3)), np.zeros((1, 2, 1)), ValueError, RuntimeError, r"twice"),
    (lambda x: x.squeeze(1.0), np.zeros((1, 2)), TypeError, TypeError, r"`dim`.*1.0 of type float"),
    (lambda x: x.squeeze(True), np.zeros((1, 2)), TypeError, TypeError, r"`dim`.*True of type bool"),
    (lambda x: x.squeeze(0, 0), np.zeros((1, 2, 1)), ValueError, RuntimeError, r"twice.*\(0, 0\)"),
    (lambda x: x.squeeze(0, 5), np.zeros((1, 2, 1)), IndexError, IndexError, r"dim=5"),
    (lambda x: x.squeeze((0,), 2), np.zeros((1, 2, 1)), TypeError, TypeError, r"one by one must be ints.*\(0,\), 2"),
    (lambda x: x.squeeze(None, 0), np.zeros((1, 2, 1)), TypeError, TypeError, r"one by one must be ints.*None, 0"),
])
def test_squeeze_bad_input(torch, call, data, ours_error, torch_error, match):
    assert_both_raise(torch, ours_error, torch_error, call, data=data, match=match)


# ------------------------------------------------------------------------------------------------- unsqueeze
@pytest.mark.parametrize("shape", [(2, 3), (), (0, 2), (4,)])
def test_unsqueeze_matches_torch_at_every_valid_position(torch, backend, shape):
    ndim = len(shape)
    for dim in range(-ndim - 1, ndim + 1):
        assert_like_torch(torch, backend, shape, "unsqueeze", dim)


def test_unsqueeze_negative_dims_by_hand():
    x = tg.tensor(np.zeros((2, 3)))   # dim + ndim + 1: -1 -> 2, -2 -> 1, -3 -> 0
    assert [x.unsqueeze(d).shape for d in (-1, -2, -3)] == [(2, 3, 1), (2, 1, 3), (1, 2, 3)]


@pytest.mark.parametrize("call, data, ours_error, torch_error, match", [
    (lambda x: x.unsqueeze(3), np.zeros((2, 3)), IndexError, IndexError,
     r"unsqueeze: Dimension out of range: `dim` must be in \[-3, 2\] for a tensor with 2 dimensions"),
    (lambda x: x.unsqueeze(-4), np.zeros((2, 3)), IndexError, IndexError, r"dim=-4"),
    (lambda x: x.unsqueeze(1), np.asarray(1.0), IndexError, IndexError, r"\[-1, 0\]"),
    (lambda x: x.unsqueeze((0,)), np.zeros(2), TypeError, TypeError, r"`dim`.*tuple"),
    (lambda x: x.unsqueeze(None), np.zeros(2), TypeError, TypeError, r"`dim`.*NoneType"),
    (lambda x: x.unsqueeze(), np.zeros(2), TypeError, TypeError, r"dim"),
])
def test_unsqueeze_bad_input(torch, call, data, ours_error, torch_error, match):
    assert_both_raise(torch, ours_error, torch_error, call, data=data, match=match)


# ----------------------------------------------------------------------------------------------------- clone
@pytest.mark.parametrize("shape", [(2, 3), (), (0, 3)])
def test_clone_matches_torch(torch, backend, shape):
    assert_like_torch(torch, backend, shape, "clone")


def test_clone_copies_special_values_and_shares_no_memory(backend):
    x = ours([NAN, -0.0, INF, -INF, 1.5], backend, requires_grad=True)
    y = x.clone()
    np.testing.assert_array_equal(y.numpy(), [NAN, -0.0, INF, -INF, 1.5])
    assert np.signbit(y.numpy()[1])
    assert not np.shares_memory(y.numpy(), x.numpy())
    assert y.requires_grad and not y.is_leaf and y.backend.name == backend
    if backend == "numpy":                   # a write into the original's memory does not reach the clone
        x.detach().numpy()[4] = 7.0         # (x.numpy() is read-only: x requires grad)
        assert y.numpy()[4] == 1.5


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64", "int64", "uint8", "bool"])
def test_clone_keeps_the_dtype_and_records_no_node_without_grad(backend, dtype):
    if dtype == "float16" and backend == "array_api_strict":
        pytest.skip("the Array API standard has no float16")
    x = tg.tensor([1, 0, 1], dtype=dtype, backend=backend)
    y = x.clone()
    assert dtype_name(y.dtype) == dtype and y.tolist() == x.tolist()
    assert not y.requires_grad and y.is_leaf


def test_clone_gradient_by_hand(backend):
    x = ours([1.0, -2.0, 3.0], backend, requires_grad=True)
    y = x.clone()
    (y * y + y).sum().backward()                # d/dx (x^2 + x) = 2x + 1
    assert x.grad.tolist() == [3.0, -3.0, 7.0]


# ------------------------------------------------------------------------------------------- argmax / argmin
SPECIAL = np.array([[1.0, NAN, 3.0, NAN], [2.0, 2.0, 1.0, 1.0], [INF, NAN, -INF, 0.0], [0.0, -0.0, 0.0, -0.0],
                    [-INF, -INF, INF, INF], [5.0, 4.0, 5.0, 4.0]])


def _argmax_calls(ndim):
    calls = [{}, {"keepdim": True}]
    for dim in range(-max(ndim, 1), max(ndim, 1)):
        calls += [{"dim": dim}, {"dim": dim, "keepdim": True}]
    return calls


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("data", [SPECIAL, SPECIAL.T.copy(), SPECIAL[1], np.asarray(NAN), np.asarray(2.0),
                                  np.array([[NAN, NAN], [NAN, 1.0]]), np.arange(24.0).reshape(2, 3, 4) % 5])
def test_argmax_and_argmin_match_torch_with_nan_ties_and_infinities(torch, backend, op, data):
    x, t = ours(data, backend, requires_grad=True), torch.tensor(data)
    for kwargs in _argmax_calls(data.ndim):
        got, expected = getattr(x, op)(**kwargs), getattr(t, op)(**kwargs)
        assert dtype_name(got.dtype) == "int64" and got.shape == tuple(expected.shape), kwargs
        np.testing.assert_array_equal(got.numpy(), expected.numpy(), err_msg=str(kwargs))
        assert not got.requires_grad and got.is_leaf


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_and_argmin_match_torch_on_random_ties_and_nans(torch, backend, op):
    rng = np.random.default_rng(3)
    for _ in range(20):
        data = rng.integers(0, 3, size=(4, 5, 3)).astype(np.float64)   # many ties
        data[rng.random(data.shape) < 0.1] = NAN
        x, t = ours(data, backend), torch.tensor(data)
        for kwargs in _argmax_calls(3):
            np.testing.assert_array_equal(getattr(x, op)(**kwargs).numpy(), getattr(t, op)(**kwargs).numpy())


@pytest.mark.parametrize("dtype", ["float16", "float32", "int64", "int32", "uint8", "int8"])
@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_and_argmin_of_other_dtypes_match_torch(torch, backend, op, dtype):
    if dtype == "float16" and backend == "array_api_strict":
        pytest.skip("the Array API standard has no float16")
    data = np.array([[3, 1, 3, 0], [2, 7, 7, 2]])
    x, t = tg.tensor(data, dtype=dtype, backend=backend), torch.tensor(data.astype(dtype))
    for kwargs in _argmax_calls(2):
        got = getattr(x, op)(**kwargs)
        assert dtype_name(got.dtype) == "int64"
        np.testing.assert_array_equal(got.numpy(), getattr(t, op)(**kwargs).numpy())


def test_argmax_of_a_float16_nan_is_its_index(torch):
    data = np.array([1.0, NAN, NAN], dtype=np.float16)
    assert tg.tensor(data).argmin().item() == torch.tensor(data).argmin().item() == 1


def test_argmax_of_an_empty_tensor_along_a_non_empty_dim(torch, backend):
    x, t = ours(np.zeros((0, 3)), backend), torch.zeros(0, 3)
    for kwargs in ({"dim": 1}, {"dim": -1, "keepdim": True}):
        got, expected = x.argmax(**kwargs), t.argmax(**kwargs)
        assert got.shape == tuple(expected.shape) and dtype_name(got.dtype) == "int64"


def test_argmax_by_hand():
    x = tg.tensor([[0.0, 2.0, 2.0], [NAN, 9.0, NAN], [-1.0, -1.0, -3.0]])
    assert x.argmax(dim=1).tolist() == [1, 0, 0]         # ties: the first; NaN counts as the maximum
    assert x.argmin(dim=1).tolist() == [0, 0, 2]         # and as the minimum
    assert x.argmax().item() == 3 and x.argmin().item() == 3
    assert x.argmax(dim=0, keepdim=True).tolist() == [[1, 1, 1]]
    assert x.argmax(keepdim=True).shape == (1, 1)


def test_argmax_does_not_record_a_node():
    x = tg.tensor([1.0, 3.0], requires_grad=True)
    y = x.argmax()
    assert not y.requires_grad and y.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        y.backward()


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("call, data, ours_error, torch_error, match", [
    (lambda x, op: getattr(x, op)(), np.zeros(0), IndexError, IndexError, r"shape \(0,\) is empty.*`dim`"),
    (lambda x, op: getattr(x, op)(), np.zeros((0, 3)), IndexError, IndexError, r"is empty"),
    (lambda x, op: getattr(x, op)(0), np.zeros((0, 3)), IndexError, IndexError,
     r"dimension 0 of the tensor of shape \(0, 3\) has size 0.*dim=0"),
    (lambda x, op: getattr(x, op)(2), np.zeros((2, 3)), IndexError, IndexError,
     (r"Dimension out of range: `dim` must be in \[-2, 1\] for a tensor with 2 dimensions\. "
      r"Received dim=2")),
    (lambda x, op: getattr(x, op)(-3), np.zeros((2, 3)), IndexError, IndexError, r"dim=-3"),
    (lambda x, op: getattr(x, op)(1), np.asarray(1.0), IndexError, IndexError, r"\[-1, 0\]"),
    (lambda x, op: getattr(x, op)((0, 1)), np.zeros((2, 3)), TypeError, TypeError, r"`dim`.*tuple"),
    (lambda x, op: getattr(x, op)(1.0), np.zeros((2, 3)), TypeError, TypeError, r"`dim`.*float"),
    (lambda x, op: getattr(x, op)(1, keepdim=1), np.zeros((2, 3)), TypeError, TypeError,
     r"`keepdim`.*Received keepdim=1"),
])
def test_argmax_and_argmin_bad_input(torch, op, call, data, ours_error, torch_error, match):
    assert_both_raise(torch, ours_error, torch_error, lambda x: call(x, op), data=data, match=match)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
def test_argmax_of_a_bool_tensor_is_refused_as_in_torch(torch, op):
    with pytest.raises(RuntimeError):
        getattr(torch.tensor([False, True]), op)()
    with pytest.raises(TypeError, match=rf"{op}\(\) does not support bool tensors.*astype\('uint8'\)"):
        getattr(tg.tensor([False, True], dtype="bool"), op)()


# ------------------------------------------------------------------------------ reductions: dim= and keepdim=
@pytest.mark.parametrize("method", ["sum", "mean"])
@pytest.mark.parametrize("shape, kwargs", [
    ((2, 3, 4), {"dim": 1}), ((2, 3, 4), {"dim": -1, "keepdim": True}), ((2, 3, 4), {"dim": (0, 2)}),
    ((2, 3, 4), {"dim": [-1, 0], "keepdim": True}), ((2, 3, 4), {"dim": ()}), ((2, 3, 4), {"dim": []}),
    ((2, 3, 4), {"dim": (), "keepdim": True}), ((2, 3, 4), {"dim": None, "keepdim": True}), ((2, 3, 4), {"dim": None}),
    ((), {"dim": 0}), ((), {"dim": -1, "keepdim": True}), ((), {"dim": ()}), ((0, 3), {"dim": 1}),
    ((0, 3), {"dim": 0, "keepdim": True}),
])
def test_sum_and_mean_take_torchs_dim_and_keepdim(torch, backend, method, shape, kwargs):
    assert_like_torch(torch, backend, shape, method, **kwargs)


@pytest.mark.parametrize("method, reference", [("max", "amax"), ("min", "amin")])
def test_max_and_min_take_keepdim_as_amax_does(torch, backend, method, reference):
    rng = np.random.default_rng(1)
    data = rng.standard_normal((2, 3, 4))
    x, t = ours(data, backend, requires_grad=True), torch.tensor(data, requires_grad=True)
    y, ty = getattr(x, method)(axis=1, keepdim=True), getattr(t, reference)(dim=1, keepdim=True)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())


@pytest.mark.parametrize("method", ["max", "min"])
@pytest.mark.parametrize("dim", [1, -1])
def test_max_and_min_refuse_dim_and_say_what_to_write(method, dim):
    """PyTorch's x.max(dim=1) returns (values, indices): the same call must not return the values alone."""
    x = tg.tensor([[1.0, 5.0], [3.0, 2.0]])
    with pytest.raises(TypeError, match=rf"{method}\(dim=.*\(values, indices\).*x\.{method}\(axis=.*"
                                        rf"x\.arg{method}\(dim="):
        getattr(x, method)(dim=dim)


@pytest.mark.parametrize("method", ["max", "min"])
@pytest.mark.parametrize("dim", [(), (0, 1), [1], (1,)])
def test_max_and_min_with_several_dims_suggest_what_computes_torchs_amax(torch, method, dim):
    """``x.max(dim=())`` suggested ``x.max(axis=())``, which reduces nothing (NumPy's rule), where PyTorch's
    ``amax(dim=())`` reduces every axis (found by a tester). The axis the message suggests gives amax's values."""
    data = np.array([[1.0, 5.0], [3.0, 2.0]])
    x = tg.tensor(data)
    with pytest.raises(TypeError, match=rf"{method}\(dim=.*one int dim.*\(values, indices\)") as refused:
        getattr(x, method)(dim=dim)
    suggested = re.search(rf"write x\.{method}\(axis=(.*?)\)(?: \(|$)", str(refused.value)).group(1)
    expected = getattr(torch, f"a{method}")(torch.tensor(data), dim=dim)
    np.testing.assert_array_equal(getattr(x, method)(axis=ast.literal_eval(suggested)).numpy(), expected.numpy())


def test_torchs_max_with_dim_does_return_a_pair(torch):
    """The reason for the refusal above, as PyTorch 2 behaves."""
    values, indices = torch.tensor([[1.0, 5.0], [3.0, 2.0]]).max(dim=1)
    assert values.tolist() == [5.0, 3.0] and indices.tolist() == [1, 0]


@pytest.mark.parametrize("method", ["max", "min"])
@pytest.mark.parametrize("args", [(1,), (0,), (-1, True), ((0, 1),)])
def test_max_and_min_refuse_a_positional_axis(torch, method, args):
    """A tester's `v, i = x.max(1)` on two rows unpacked the two maxima silently, where PyTorch gives the values
    and the indices: the axis of the method is a keyword, and the message says what to write."""
    x = tg.tensor([[1.0, 9.0, 3.0], [4.0, 2.0, 8.0]])
    with pytest.raises(TypeError, match=rf"x\.{method}\(.*\): give the axis by keyword.*\(values, indices\).*"
                                        rf"x\.{method}\(axis=\.\.\.\).*x\.arg{method}\(dim=\.\.\.\)"):
        getattr(x, method)(*args)
    if not isinstance(args[0], tuple):              # PyTorch's positional call is the pair (its reason)
        values, indices = getattr(torch.tensor(x.numpy()), method)(*args)
        assert values.shape == indices.shape and str(indices.dtype) == "torch.int64"


def test_max_by_keyword_gives_the_values_from_the_formula():
    data = [[1.0, 9.0, 3.0], [4.0, 2.0, 8.0]]
    x = tg.tensor(data)
    assert x.max(axis=1).tolist() == [9.0, 8.0] and x.min(axis=0).tolist() == [1.0, 2.0, 3.0]
    assert x.max().item() == 9.0 and x.min(axis=-1, keepdims=True).tolist() == [[1.0], [2.0]]


@pytest.mark.parametrize("method", ["sum", "mean", "max", "min"])
def test_both_spellings_at_once_are_refused(method):
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    if method in ("sum", "mean"):
        with pytest.raises(TypeError, match=rf"{method}\(\) got both `axis` and `dim`.*axis=0, dim=1"):
            getattr(x, method)(axis=0, dim=1)
    with pytest.raises(TypeError, match=rf"{method}\(\) got both `keepdims` and `keepdim`.*keepdims=True, "
                                        r"keepdim=False"):
        getattr(x, method)(axis=0, keepdims=True, keepdim=False)


@pytest.mark.parametrize("call, ours_error, torch_error, match", [
    (lambda x: x.sum(dim=5), IndexError, IndexError, r"sum: Dimension out of range.*\[-2, 1\].*dim=5"),
    (lambda x: x.mean(dim=(0, -3)), IndexError, IndexError, r"mean: .*dim=-3"),
    (lambda x: x.sum(dim=1.0), TypeError, TypeError, r"`dim`.*float"),
    (lambda x: x.sum(dim=1, keepdim=1), TypeError, TypeError, r"`keepdim`.*keepdim=1"),
    (lambda x: x.sum(dim=(0, 0)), ValueError, RuntimeError, r"repeated axis"),
])
def test_reduction_dim_bad_input(torch, call, ours_error, torch_error, match):
    assert_both_raise(torch, ours_error, torch_error, call, match=match)


def test_reduction_spellings_by_hand():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]])
    assert x.sum(dim=0).tolist() == [4.0, 6.0]
    assert x.sum(dim=()).item() == 10.0                 # PyTorch: every dimension
    assert x.sum(axis=()).tolist() == [[1.0, 2.0], [3.0, 4.0]]   # NumPy: none
    assert x.mean(dim=1, keepdim=True).tolist() == [[1.5], [3.5]]
    assert x.sum(keepdim=True).tolist() == [[10.0]]    # PyTorch wants dim=None with it; accepted alone here
    assert tg.ops.sum([[1.0, 2.0]], dim=-1).tolist() == [3.0]


# ------------------------------------------------------------------------------------------- PyTorch's aliases
@pytest.mark.parametrize("shape, method, kwargs", [
    ((2, 3), "view", {"size": (3, 2)}), ((2, 3), "view", {"size": [-1]}),
    ((1, 2, 1), "squeeze", {"axis": 0}), ((1, 2, 1), "squeeze", {"axis": (0, -1)}),
    ((2, 3), "unsqueeze", {"axis": -1}), ((2, 3), "clone", {"memory_format": "preserve_format"}),
    ((2, 3), "clone", {"memory_format": "contiguous_format"}),
    ((1, 2, 3, 4), "clone", {"memory_format": "channels_last"}),
    ((1, 2, 1, 3, 4), "clone", {"memory_format": "channels_last_3d"}), ((2, 3), "clone", {"memory_format": None}),
])
def test_torchs_keyword_aliases_give_torchs_results(torch, backend, shape, method, kwargs):
    """``view(size=)``, ``squeeze(axis=)``, ``unsqueeze(axis=)``, ``clone(memory_format=)``: PyTorch accepts them."""
    if isinstance(kwargs.get("memory_format"), str):
        kwargs = {"memory_format": getattr(torch, kwargs["memory_format"])}
    assert_like_torch(torch, backend, shape, method, **kwargs)


@pytest.mark.parametrize("op", ["argmax", "argmin"])
@pytest.mark.parametrize("kwargs", [{"axis": 1}, {"axis": -1, "keepdims": True}, {"dim": 0, "keepdims": True},
                                    {"keepdims": True}])
def test_argmax_and_argmin_take_axis_and_keepdims_as_torch(torch, backend, op, kwargs):
    data = np.array([[1.0, NAN, 3.0], [4.0, 4.0, -INF]])
    got = getattr(ours(data, backend), op)(**kwargs)
    expected = getattr(torch.tensor(data), op)(**kwargs)
    assert got.shape == tuple(expected.shape)
    np.testing.assert_array_equal(got.numpy(), expected.numpy())


@pytest.mark.parametrize("call, ours_error, torch_error, match", [
    (lambda x: x.squeeze(0, axis=0), TypeError, TypeError, "not both"),
    (lambda x: x.unsqueeze(dim=0, axis=0), TypeError, TypeError, "not both"),
    (lambda x: x.unsqueeze(), TypeError, TypeError, "`dim`.*NoneType"),
    (lambda x: x.view(6, size=(6,)), TypeError, TypeError, "not both"),
    (lambda x: x.argmax(dim=1, axis=1), TypeError, TypeError, "not both"),
    (lambda x: x.argmin(dim=1, axis=None), TypeError, TypeError, "not both"),
    (lambda x: x.argmax(keepdims=None), TypeError, TypeError, "keepdims"),
    (lambda x: x.squeeze(axis=None), TypeError, TypeError, "axis=None"),
    (lambda x: x.unsqueeze(axis=None), TypeError, TypeError, "axis=None"),
    (lambda x: x.view(size=-1), TypeError, TypeError, r"tuple or list.*size=-1"),
    (lambda x: x.view(size=5), TypeError, TypeError, r"size=5"),
    (lambda x: x.clone(memory_format="contiguous_format"), TypeError, TypeError, "memory formats"),
    (lambda x: x.clone(memory_format=_torch().channels_last), ValueError, RuntimeError, "rank 4"),
])
def test_torchs_aliases_bad_input(torch, call, ours_error, torch_error, match):
    assert_both_raise(torch, ours_error, torch_error, call, match=match)


@pytest.mark.parametrize("call", [
    lambda x: x.argmax(dim=None, axis=1), lambda x: x.argmin(None, axis=1), lambda x: x.squeeze(dim=None, axis=0),
    lambda x: x.unsqueeze(dim=None, axis=0), lambda x: x.argmax(1, keepdim=False, keepdims=True),
    lambda x: x.argmin(1, False, keepdims=False),
])
def test_both_spellings_are_refused_even_at_their_defaults_as_torch(torch, call):
    """Found by a tester: ``argmax(dim=None, axis=1)`` and ``argmax(keepdim=False, keepdims=True)`` were taken
    silently (one of them ignored); PyTorch refuses both spellings of one argument whatever their values
    (``TypeError``: "unexpected keyword argument"). Ours is a TypeError naming both, with the values received."""
    both = r"takes `(dim` or its alias `axis|keepdim` or its alias `keepdims)`, not both\. Received (dim|keepdim)="
    assert_both_raise(torch, TypeError, TypeError, call, match=both)


@pytest.mark.parametrize("call, name", [
    (lambda x: x.argmax(axis=5), "axis=5"), (lambda x: x.argmin(axis=-3), "axis=-3"),
    (lambda x: x.squeeze(axis=(0, 7)), "axis=7"), (lambda x: x.unsqueeze(axis=4), "axis=4"),
    (lambda x: x.argmax(dim=5), "dim=5"),
])
def test_a_dim_out_of_range_names_the_spelling_given(torch, call, name):
    """Found by a tester: ``argmax(axis=5)`` said "`dim` must be in [-2, 1] ... Received dim=5": the message names
    the argument the user wrote (PyTorch raises IndexError for both spellings, naming neither)."""
    argument = name.split("=")[0]
    assert_both_raise(torch, IndexError, IndexError, call,
                      match=rf"Dimension out of range: `{argument}` must be in .* Received {name}")


def test_a_type_error_names_the_spelling_given():
    x = tg.tensor(np.zeros((2, 3)))
    with pytest.raises(TypeError, match=r"argument `axis`\. Expected an integer\. Received axis=1\.0"):
        x.argmax(axis=1.0)
    with pytest.raises(TypeError, match=r"argument `keepdims`\. Expected True or False\. Received keepdims=1"):
        x.argmin(0, keepdims=1)
    with pytest.raises(IndexError, match=r"has size 0, so its slices have no index to return\. Received axis=0"):
        tg.tensor(np.zeros((0, 3))).argmax(axis=0)


def _torch():
    import torch
    return torch


def test_clamp_is_torch_clamp():
    """A tester looked for ``Tensor.clamp`` (PyTorch's name for clip): values and gradients against torch.clamp,
    with number and tensor bounds and ties at the bounds (torch wants both bounds tensors when one is; ours takes
    the number as it is)."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for clamp")
    data = np.array([-2.0, -1.0, 0.5, 1.0, 3.0])
    high = np.array([1.0, 1.0, 0.0, 1.0, 2.0])
    ours = tg.tensor(data, dtype="float64", requires_grad=True)
    ours_high = tg.tensor(high, dtype="float64", requires_grad=True)
    theirs = torch.tensor(data, requires_grad=True)
    theirs_high = torch.tensor(high, requires_grad=True)
    low = torch.tensor(-1.0, dtype=torch.float64)
    got, want = ours.clamp(min=-1.0, max=ours_high), torch.clamp(theirs, min=low, max=theirs_high)
    np.testing.assert_array_equal(got.numpy(), want.detach().numpy())
    got.sum().backward()
    want.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    np.testing.assert_array_equal(ours_high.grad.numpy(), theirs_high.grad.numpy())
    np.testing.assert_array_equal(tg.tensor(data).clamp(max=0.0).numpy(), torch.tensor(data).clamp(max=0.0).numpy())
