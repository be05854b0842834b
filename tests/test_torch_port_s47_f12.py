"""The torch methods of tinygradconv.torch_port, __format__ and the hints for the PyTorch names it lacks (s47 f12), each
checked against PyTorch 2.13 (values, gradients, errors)."""
import copy
import pickle

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


def both(values, requires_grad=False, dtype="float32"):
    array = np.asarray(values, dtype=dtype)
    return (tg.tensor(array, requires_grad=requires_grad),
            torch.tensor(array, requires_grad=requires_grad))


# ---------------------------------------------------------------------------------------------------- item 1
@pytest.mark.parametrize("spec", ["", ".3f", "8.2e", "+g"])
def test_format_of_a_0d_tensor_is_that_of_its_number_as_torch(spec):
    ours, theirs = both(3.0, requires_grad=True)
    assert format(ours, spec) == format(theirs, spec)
    assert f"{tg.tensor(7, dtype='int64')}" == f"{torch.tensor(7)}" == "7"
    assert f"{tg.tensor(7, dtype='int64'):4d}" == f"{torch.tensor(7):4d}" == "   7"
    assert format(tg.tensor(True, dtype="bool"), "") == format(torch.tensor(True), "") == "True"


def test_format_of_an_nd_tensor_as_torch():
    ours, theirs = both([1.0, 2.0])
    assert f"{ours}" == str(ours)
    with pytest.raises(TypeError) as ours_error:
        f"{ours:.3f}"
    with pytest.raises(TypeError) as theirs_error:
        f"{theirs:.3f}"
    assert str(ours_error.value) == str(theirs_error.value)


# ---------------------------------------------------------------------------------------------------- item 2
def test_contiguous_as_torch():
    ours, theirs = both([[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]], requires_grad=True)
    assert ours.contiguous() is ours and theirs.contiguous() is theirs
    for pick in (lambda t: t.T, lambda t: t[:, ::2], lambda t: t[0], lambda t: t[:1].T):
        assert pick(ours).is_contiguous() == pick(theirs).is_contiguous()
    weights = np.arange(6.0).reshape(3, 2)
    y_ours, y_theirs = ours.T.contiguous(), theirs.T.contiguous()
    assert y_ours.is_contiguous() and y_theirs.is_contiguous()
    assert not np.shares_memory(y_ours.numpy(), ours.numpy())
    np.testing.assert_array_equal(y_ours.numpy(), y_theirs.detach().numpy())
    (y_ours * tg.tensor(weights, dtype="float32")).sum().backward()
    (y_theirs * torch.tensor(weights, dtype=torch.float32)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


def test_fill_writes_through_a_view_and_refuses_a_leaf_as_torch():
    ours, theirs = both([[1.0, 2.0], [3.0, 4.0]])
    ours[0].fill_(7.0)
    theirs[0].fill_(7.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours_leaf, theirs_leaf = both([[1.0, 2.0]], requires_grad=True)
    for call in (lambda t: t.fill_(1.0), lambda t: t[0].fill_(1.0)):
        with pytest.raises(RuntimeError, match="leaf Variable"):
            call(theirs_leaf)
        with pytest.raises(RuntimeError, match="leaf"):
            call(ours_leaf)
    with tg.no_grad():
        ours_leaf.fill_(tg.tensor(2.0))
    np.testing.assert_array_equal(ours_leaf.numpy(), [[2.0, 2.0]])
    with pytest.raises(RuntimeError, match="0-dimension"):
        torch.ones(2).fill_(torch.ones(2))
    with pytest.raises(ValueError, match="0-dimension value tensor.*shape \\(2,\\)"):
        tg.tensor([1.0, 1.0]).fill_(tg.tensor([1.0, 1.0]))


def test_copy_broadcasts_and_casts_as_torch():
    ours, theirs = both(np.zeros((2, 3)))
    ours.copy_(tg.tensor([5.0, 6.0, 7.0]))
    theirs.copy_(torch.tensor([5.0, 6.0, 7.0]))
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    ours_int, theirs_int = tg.tensor([0, 0], dtype="int64"), torch.tensor([0, 0])
    ours_int.copy_(tg.tensor([1.7, -2.7]))
    theirs_int.copy_(torch.tensor([1.7, -2.7]))
    assert ours_int.tolist() == theirs_int.tolist() == [1, -2]
    with pytest.raises(RuntimeError):
        torch.ones(2).copy_(torch.ones(3))
    with pytest.raises(ValueError, match="does not broadcast"):
        tg.tensor([1.0, 1.0]).copy_(tg.tensor([1.0, 1.0, 1.0]))
    leaf = tg.tensor([[1.0, 2.0]], requires_grad=True)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        leaf.T.copy_(tg.tensor([[0.0], [0.0]]))
    src, t_src = tg.tensor([2.0, 3.0], requires_grad=True), torch.tensor([2.0, 3.0], requires_grad=True)
    c, tc = tg.tensor([[1.0, 1.0], [1.0, 1.0]]).copy_(src), torch.ones(2, 2).copy_(t_src)   # recorded, as torch
    (c * c).sum().backward()
    (tc * tc).sum().backward()
    assert c.tolist() == tc.tolist() and src.grad.tolist() == t_src.grad.tolist() == [8.0, 12.0]


def test_clamp_in_place_as_torch():
    ours, theirs = both([-2.0, 0.5, 3.0])
    assert ours.clamp_(-1.0, 1.0) is ours
    theirs.clamp_(-1.0, 1.0)
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())
    with pytest.raises(RuntimeError, match="leaf"):
        tg.tensor([1.0], requires_grad=True).clamp_(0.0, 1.0)
    with pytest.raises(ValueError, match="at least one"):
        tg.tensor([1.0]).clamp_()
    x, tx = tg.tensor([-1.0, 0.25, 2.0], requires_grad=True), torch.tensor([-1.0, 0.25, 2.0], requires_grad=True)
    y, ty = (x * 2).clamp_(0.0, 1.0), (tx * 2).clamp_(0.0, 1.0)          # an op's output: recorded, as torch
    y.sum().backward()
    ty.sum().backward()
    assert y.tolist() == ty.tolist() and x.grad.tolist() == tx.grad.tolist() == [0.0, 2.0, 0.0]
    grads = []
    for M in (torch, tg):                   # a view of an op's output: recorded as torch (CopySlices)
        v = M.tensor([0.25, 2.0], requires_grad=True)
        z = v * 2
        z[1:].clamp_(0.0, 1.0)
        z.sum().backward()
        grads.append((z.tolist(), v.grad.tolist()))
    assert grads[0] == grads[1] == ([0.5, 1.0], [2.0, 0.0])


@pytest.mark.parametrize("bounds, name", [((0, 2.5), "max"), ((0.5, 3), "min")])
def test_clamp_in_place_of_an_int_tensor_with_a_float_bound_names_that_bound(bounds, name):
    with pytest.raises(RuntimeError, match="can't be cast"):      # PyTorch refuses it too
        torch.tensor([1, 5]).clamp_(*bounds)
    with pytest.raises(TypeError, match=f"Invalid type for argument `{name}` of clamp_: {bounds[name == 'max']!r} "
                                        f"\\(float\\)") as caught:
        tg.tensor(np.array([1, 5]), dtype="int64").clamp_(*bounds)
    assert "astype" not in str(caught.value)


def test_type_as_and_cpu_as_torch():
    ours = tg.tensor([1, 2], dtype="int64").type_as(tg.tensor([0.5], requires_grad=True))
    assert ours.dtype == "float32" and ours.tolist() == [1.0, 2.0] and not ours.requires_grad
    assert torch.tensor([1, 2]).type_as(torch.tensor([0.5])).dtype == torch.float32
    x = tg.tensor([1.0])
    assert x.type_as(x) is x and x.cpu() is x
    with pytest.raises(TypeError, match="other"):
        x.type_as(np.ones(1))


@pytest.mark.parametrize("dims", [0, 1, (0, 1), [1, 0]])
def test_flip_values_gradients_as_torch(dims):
    values = np.arange(6.0).reshape(2, 3)
    ours, theirs = both(values, requires_grad=True)
    weights = np.arange(1.0, 7.0).reshape(2, 3)
    ours_out = ours.flip(dims)
    theirs_out = theirs.flip(dims if isinstance(dims, (tuple, list)) else (dims,))
    np.testing.assert_array_equal(ours_out.detach().numpy(), theirs_out.detach().numpy())
    (ours_out * tg.tensor(weights, dtype="float32")).sum().backward()
    (theirs_out * torch.tensor(weights, dtype=torch.float32)).sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())
    assert not np.shares_memory(ours_out.numpy(), ours.numpy())      # a copy, as torch.flip's


def test_flip_errors():
    with pytest.raises(IndexError):
        torch.ones(2, 2).flip(2)
    with pytest.raises(IndexError, match="dim"):
        tg.tensor([[1.0]]).flip(2)
    with pytest.raises(ValueError, match="more than once"):
        tg.tensor([[1.0]]).flip(0, 0)


@pytest.mark.parametrize("dim,keepdim", [(None, False), (1, False), (0, True), ((0, 1), False), (-1, True)])
@pytest.mark.parametrize("op", ["amax", "amin"])
def test_amax_amin_values_and_tie_gradients_as_torch(op, dim, keepdim):
    values = [[1.0, 3.0, 3.0], [-2.0, -2.0, 0.0]]
    ours, theirs = both(values, requires_grad=True)
    kwargs = {"keepdim": keepdim} if dim is None else {"dim": dim, "keepdim": keepdim}
    ours_out, theirs_out = getattr(ours, op)(**kwargs), getattr(theirs, op)(**kwargs)
    np.testing.assert_array_equal(ours_out.detach().numpy(), theirs_out.detach().numpy())
    ours_out.sum().backward()
    theirs_out.sum().backward()
    np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("op", ["softmax", "log_softmax"])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_softmax_methods_as_torch(op, dim):
    values = np.array([[0.5, -1.0, 2.0], [3.0, 0.0, 0.0]])
    ours, theirs = both(values, requires_grad=True, dtype="float64")
    weights = np.arange(6.0).reshape(2, 3)
    ours_out, theirs_out = getattr(ours, op)(dim), getattr(theirs, op)(dim)
    np.testing.assert_allclose(ours_out.detach().numpy(), theirs_out.detach().numpy(), rtol=1e-12)
    (ours_out * tg.tensor(weights)).sum().backward()
    (theirs_out * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(ours.grad.numpy(), theirs.grad.numpy(), rtol=1e-10, atol=1e-14)


def test_softmax_method_errors():
    with pytest.raises(TypeError):
        torch.ones(2).softmax()
    with pytest.raises(TypeError, match="dim"):
        tg.tensor([1.0]).softmax(None)
    with pytest.raises(IndexError, match="dim"):
        tg.tensor([1.0]).log_softmax(3)


@pytest.mark.parametrize("kwargs", [{}, {"dim": 0}, {"dim": 1, "keepdim": True}, {"dim": -1}])
@pytest.mark.parametrize("op", ["any", "all"])
def test_any_all_as_torch(op, kwargs):
    values = np.array([[0.0, 1.0, np.nan], [0.0, 0.0, 2.0], [3.0, -1.0, 4.0]])
    ours, theirs = both(values, requires_grad=True)
    ours_out, theirs_out = getattr(ours, op)(**kwargs), getattr(theirs, op)(**kwargs)
    assert ours_out.dtype == "bool" and not ours_out.requires_grad
    assert ours_out.tolist() == theirs_out.tolist()
    mask = tg.tensor([[True, False]])
    assert mask.all(dim=1).tolist() == torch.tensor([[True, False]]).all(dim=1).tolist()


@pytest.mark.parametrize("op", ["eq", "ne", "lt", "le", "gt", "ge"])
def test_comparison_methods_as_torch(op):
    ours, theirs = both([1.0, 2.0, 3.0])
    other = [2.0, 2.0, 2.0]
    assert getattr(ours, op)(tg.tensor(other)).tolist() == getattr(theirs, op)(torch.tensor(other)).tolist()
    assert getattr(ours, op)(2.0).tolist() == getattr(theirs, op)(2.0).tolist()


def test_new_tensors_as_torch():
    for dtype, torch_dtype in (("float32", torch.float32), ("int64", torch.int64)):
        ours, theirs = tg.tensor([1], dtype=dtype), torch.tensor([1], dtype=torch_dtype)
        for name, args in (("new_zeros", (2, 3)), ("new_ones", ((2,),)), ("new_full", ((2, 2), 7)),
                           ("new_tensor", ([1, 2],))):
            a, b = getattr(ours, name)(*args), getattr(theirs, name)(*args)
            assert a.dtype == dtype and b.dtype == torch_dtype
            assert a.tolist() == b.tolist() and a.backend is ours.backend and not a.requires_grad
    assert tg.tensor([1.0]).new_zeros(2, dtype="float64", requires_grad=True).requires_grad
    with pytest.raises(TypeError, match="size"):
        tg.tensor([1.0]).new_zeros(2.5)


# ---------------------------------------------------------------------------------------------------- item 3
@pytest.mark.parametrize("name", ["register_hook", "nonzero", "gather", "scatter", "argsort", "sort", "topk",
                                  "index_select", "masked_scatter", "retain_graph"])
def test_missing_torch_names_say_what_to_write(name):
    assert hasattr(torch.ones(1), name) or name == "retain_graph"      # (an argument of backward)
    x = tg.tensor([1.0])
    assert not hasattr(x, name)
    with pytest.raises(AttributeError, match=f"has no attribute '{name}' \\(a PyTorch Tensor method\\); "):
        getattr(x, name)


def test_dir_leaves_out_the_missing_torch_names_and_they_stay_hinted():
    x = tg.tensor([1.0])
    listed = dir(x)
    assert not set(listed) & set(tg.torch_methods.MISSING_TORCH_NAMES)
    assert {"sum", "clamp_", "shape", "grad", "__add__"} <= set(listed)      # the real names stay
    assert not hasattr(x, "gather")
    with pytest.raises(AttributeError, match="there is no gather op"):
        _ = x.gather
    # rlcompleter also reads dir(type(t)); hiding the names there needs a metaclass (not done): see __dir__


def test_other_names_plain_and_copy_pickle_still_work():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(AttributeError, match="^'Tensor' object has no attribute 'nothing_here'$"):
        _ = x.nothing_here
    with pytest.raises(AttributeError, match="^'Tensor' object has no attribute '__nothing__'$"):
        _ = x.__nothing__
    x.name = "w"
    clone = copy.deepcopy(x)
    assert clone.tolist() == [1.0, 2.0] and clone.requires_grad and clone.name == "w"
    again = pickle.loads(pickle.dumps(x.detach()))
    assert again.tolist() == [1.0, 2.0]


def test_module_hints_fit_each_name():
    for name, fits in (("randn", "randn_like"), ("arange", "np.arange"), ("inference_mode", "no_grad")):
        with pytest.raises(AttributeError, match=fits):
            getattr(tg, name)


# ---------------------------------------------------------------------------------------------------- item 4
def test_plus_equals_on_a_view_writes_through_as_torch():
    """(Was the documented difference: ``+=`` rebinds a new tensor. It writes in place now, as torch's.)"""
    ours, theirs = both([[1.0, 2.0], [3.0, 4.0]])
    y_ours, y_theirs = ours[0], theirs[0]
    y_ours += 10
    y_theirs += 10
    assert ours.tolist() == theirs.tolist() == [[11.0, 12.0], [3.0, 4.0]]
    ours[1].add_(10)
    theirs[1].add_(10)
    assert ours.tolist() == theirs.tolist()
