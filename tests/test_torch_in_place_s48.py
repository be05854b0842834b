"""PyTorch's in-place element-wise methods, addcmul/addcdiv, detach_ and the dtype shorthands
(tinygradconv/torch_in_place.py), each checked against PyTorch 2.13 run on the same inputs."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

UNARY = ["relu_", "sigmoid_", "tanh_", "exp_", "log_", "sqrt_", "neg_", "sin_", "cos_", "abs_"]
FLOAT_RESULT = ["sigmoid_", "tanh_", "exp_", "log_", "sqrt_", "sin_", "cos_"]
X = [0.5, 1.0, 2.0]
WEIGHTS = [1.0, 2.0, 3.0]


def _both(fn):
    """``fn(M)`` for M in (torch, tg): the results or the exception types."""
    out = []
    for M in (torch, tg):
        try:
            out.append(fn(M))
        except Exception as error:  # noqa: BLE001 - compared below
            out.append(type(error))
    return out


@pytest.mark.parametrize("name", UNARY)
def test_unary_in_place_on_an_op_output_is_recorded_as_pytorch(name):
    results = []
    for M in (torch, tg):
        x = M.tensor(X, requires_grad=True)
        y = x * 1.5
        assert getattr(y, name)() is y
        (y * M.tensor(WEIGHTS)).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), y.grad_fn.name()))
    (ty, tgrad, tname), (gy, ggrad, gname) = results
    np.testing.assert_allclose(gy, ty, rtol=1e-6)
    np.testing.assert_allclose(ggrad, tgrad, rtol=1e-5)
    assert tname == gname + "0"                 # PyTorch's node names end in 0 (ExpBackward0)


@pytest.mark.parametrize("name", UNARY)
def test_unary_in_place_refuses_what_pytorch_refuses(name):
    def saved_then_written(M):
        x = M.tensor(X, requires_grad=True)
        y = x * 1.5
        z = y * y                       # saved y
        getattr(y, name)()
        z.sum().backward()

    def on_exp_output(M):
        x = M.tensor(X, requires_grad=True)
        y = x.exp()                     # exp saved its output
        getattr(y, name)()
        y.sum().backward()

    for case in (saved_then_written, on_exp_output):
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            case(torch)
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            case(tg)
    with pytest.raises(RuntimeError, match="a leaf Variable that requires grad"):
        getattr(torch.tensor(X, requires_grad=True), name)()
    with pytest.raises(RuntimeError, match="leaf tensor that requires grad"):
        getattr(tg.tensor(X, requires_grad=True), name)()


@pytest.mark.parametrize("name", UNARY)
def test_unary_in_place_dtypes_as_pytorch(name):
    for kind in ("float64", "float32"):
        t, g = torch.tensor([0.5, 4.0], dtype=getattr(torch, kind)), tg.tensor([0.5, 4.0], dtype=kind)
        assert getattr(g, name)() is g
        getattr(t, name)()
        np.testing.assert_allclose(g.numpy(), t.numpy(), rtol=1e-6)
        assert str(g.dtype) == kind
    t, g = torch.tensor([-1, 4]), tg.tensor([-1, 4], dtype="int64")
    if name in FLOAT_RESULT:            # PyTorch: "result type Float can't be cast to the desired output type Long"
        with pytest.raises(RuntimeError, match="can't be cast"):
            getattr(t, name)()
        with pytest.raises(TypeError, match=f"{name} of a int64 tensor: the result is float32"):
            getattr(g, name)()
        assert g.tolist() == [-1, 4]    # unchanged
    else:
        getattr(t, name)()
        getattr(g, name)()
        assert g.tolist() == t.tolist() and str(g.dtype) == "int64"
    with pytest.raises((RuntimeError, NotImplementedError)):
        getattr(torch.tensor([True, False]), name)()
    with pytest.raises(TypeError):
        getattr(tg.tensor([True, False], dtype="bool"), name)()


@pytest.mark.parametrize("name", UNARY)
def test_unary_in_place_under_no_grad_writes_a_leaf_and_its_views(name):
    x = tg.tensor([[0.5, 1.0], [2.0, 3.0]], requires_grad=True)
    t = torch.tensor([[0.5, 1.0], [2.0, 3.0]], requires_grad=True)
    with tg.no_grad():
        getattr(x[0], name)()
    with torch.no_grad():
        getattr(t[0], name)()
    np.testing.assert_allclose(x.numpy(), t.detach().numpy(), rtol=1e-6)


def test_neg_and_negative_as_pytorch():
    for M in (torch, tg):
        x = M.tensor([1.0, -2.0], requires_grad=True)
        x.neg().sum().backward()
        assert x.grad.tolist() == [-1.0, -1.0]
        assert x.negative().tolist() == [-1.0, 2.0]
    a, b = torch.tensor([1], dtype=torch.uint8).neg_(), tg.tensor([1], dtype="uint8").neg_()
    assert a.tolist() == b.tolist() == [255]


def test_pow_in_place_as_pytorch():
    results = []
    for M in (torch, tg):
        x = M.tensor(X, requires_grad=True)
        e = M.tensor([1.0, 2.0, 3.0], requires_grad=True)
        y = x * 1.5
        y.pow_(e)
        (y * M.tensor(WEIGHTS)).sum().backward()
        results.append((y.detach().numpy(), x.grad.numpy(), e.grad.numpy()))
    for got, expected in zip(results[1], results[0]):
        np.testing.assert_allclose(got, expected, rtol=1e-5)
    assert tg.tensor([2, 3], dtype="int64").pow_(2).tolist() == torch.tensor([2, 3]).pow_(2).tolist() == [4, 9]
    with pytest.raises(RuntimeError, match="can't be cast"):
        torch.tensor([1, 2]).pow_(0.5)
    with pytest.raises(TypeError):
        tg.tensor([1, 2], dtype="int64").pow_(0.5)
    with pytest.raises(RuntimeError, match="doesn't match the broadcast shape"):
        torch.tensor([1.0, 2.0]).pow_(torch.ones(2, 2))
    with pytest.raises(ValueError, match="Invalid value for argument `exponent` of pow_: the result has shape"):
        tg.tensor([1.0, 2.0]).pow_(tg.tensor(np.ones((2, 2), dtype="float32")))


# ---------------------------------------------------------------------------------------------- addcmul/addcdiv
@pytest.mark.parametrize("op", ["addcmul", "addcdiv"])
@pytest.mark.parametrize("value", [1, 0.5, -2])
def test_addcmul_addcdiv_values_and_gradients_as_pytorch(op, value):
    results = []
    for M in (torch, tg):
        s = M.tensor([1.0, -2.0, 3.0], requires_grad=True)
        a = M.tensor([0.5, 1.5, -1.0], requires_grad=True)
        b = M.tensor([2.0, -4.0, 0.5], requires_grad=True)
        out = getattr(s, op)(a, b, value=value)
        y = s * 1.0
        assert getattr(y, op + "_")(a, b, value=value) is y
        np.testing.assert_allclose(y.detach().numpy(), out.detach().numpy())
        ((y + out) * M.tensor(WEIGHTS)).sum().backward()
        results.append((out.detach().numpy(), s.grad.numpy(), a.grad.numpy(), b.grad.numpy(), y.grad_fn.name()))
    for got, expected in zip(results[1][:4], results[0][:4]):
        np.testing.assert_allclose(got, expected, rtol=1e-6)
    assert results[0][4].startswith(("Addc", "Add"))       # PyTorch's node is AddcmulBackward0 (here AddBackward)


def test_addcmul_dtypes_broadcasting_and_errors_as_pytorch():
    def t(M, data, kind):
        return torch.tensor(data, dtype=getattr(torch, kind)) if M is torch else tg.tensor(data, dtype=kind)

    # dtypes: ints stay ints, floats with ints give the float, float32 with float64 gives float64
    for kinds in [("int64", "int64", "int64"), ("float32", "int64", "int64"), ("float32", "float64", "float32")]:
        a, b = _both(lambda M, k=kinds: t(M, [1, 1], k[0]).addcmul(t(M, [1, 2], k[1]), t(M, [3, 4], k[2]), value=2))
        assert a.tolist() == b.tolist() and str(a.dtype).removeprefix("torch.") == str(b.dtype)
    a, b = _both(lambda M: t(M, [1.0, 1.0], "float32").addcmul(t(M, [1, 2], "int64"), t(M, [3, 4], "int64"),
                                                               value=0.5))
    assert a.tolist() == b.tolist() == [2.5, 5.0]
    a, b = _both(lambda M: t(M, [1.0], "float32").addcmul(t(M, [1.0, 2.0], "float32"), t(M, [3.0, 4.0], "float32")))
    assert a.tolist() == b.tolist() == [4.0, 9.0]
    a, b = _both(lambda M: t(M, [1.0, 1.0], "float32").addcdiv(t(M, [1.0], "float32"), t(M, [0.0, 2.0], "float32")))
    assert a.tolist() == b.tolist() == [float("inf"), 1.5]
    # refused by both
    a, b = _both(lambda M: t(M, [1.0], "float32").addcmul_(t(M, [1.0, 2.0], "float32"), t(M, [3.0, 4.0], "float32")))
    assert a is RuntimeError and b is ValueError
    a, b = _both(lambda M: t(M, [1, 1], "int64").addcmul_(t(M, [1.0, 2.0], "float32"), t(M, [3.0, 4.0], "float32")))
    assert a is RuntimeError and b is TypeError
    a, b = _both(lambda M: t(M, [1.0, 1.0], "float32").addcdiv(t(M, [1, 2], "int64"), t(M, [3, 4], "int64")))
    assert a is RuntimeError and b is TypeError
    a, b = _both(lambda M: t(M, [1.0], "float32").addcmul(2.0, t(M, [1.0], "float32")))
    assert a is TypeError and b is TypeError
    a, b = _both(lambda M: torch.tensor([1.0]).addcmul_(*[torch.tensor([1.0])] * 2) if M is torch
                 else tg.tensor([1.0], requires_grad=True).addcmul_(*[tg.tensor([1.0])] * 2))
    assert a.tolist() == [2.0] and b is RuntimeError      # (a leaf that requires grad, in tg's case)
    with pytest.raises(RuntimeError, match="a leaf Variable"):
        torch.tensor([1.0], requires_grad=True).addcmul_(torch.ones(1), torch.ones(1))
    # a float value for integer operands: PyTorch truncates it (adds nothing), here a TypeError
    assert torch.tensor([1, 1]).addcmul(torch.tensor([1, 2]), torch.tensor([3, 4]), value=0.5).tolist() == [1, 1]
    with pytest.raises(TypeError, match="Invalid type for argument `value` of addcmul: for integer operands"):
        tg.tensor([1, 1], dtype="int64").addcmul(tg.tensor([1, 2], dtype="int64"), tg.tensor([3, 4], dtype="int64"),
                                                  value=0.5)
    with pytest.raises(TypeError, match="Invalid type for argument `tensor1` of addcmul: expected a Tensor"):
        tg.tensor([1.0]).addcmul(2.0, tg.tensor([1.0]))


def test_addcmul_in_place_with_an_argument_that_requires_grad_is_recorded():
    grads = []
    for M in (torch, tg):
        a = M.tensor(X, requires_grad=True)
        v = M.tensor([1.0, 1.0, 1.0])
        v.addcmul_(a, a, value=0.5)
        v.sum().backward()
        grads.append(a.grad.tolist())
    assert grads[0] == grads[1] == [0.5, 1.0, 2.0]


# ---------------------------------------------------------------------------------------------- detach_
def test_detach_in_place_as_pytorch():
    for M in (torch, tg):
        x = M.tensor(X, requires_grad=True)
        y = x * 2
        z = y + 1                       # recorded before: still reaches x, as PyTorch
        assert y.detach_() is y
        assert (y.requires_grad, y.grad_fn, y.is_leaf) == (False, None, True)
        assert y.tolist() == [1.0, 2.0, 4.0]
        (z * y).sum().backward()        # y after detach_: a constant
        assert x.grad.tolist() == [2.0, 4.0, 8.0]
        with pytest.raises(RuntimeError):
            y.sum().backward()
        leaf = M.tensor(X, requires_grad=True)
        assert leaf.detach_() is leaf and not leaf.requires_grad
        assert M.tensor([1.0]).detach_().tolist() == [1.0]
        for view in ((x * 2)[0], x[1:], (x * 2).reshape(3, 1)):
            with pytest.raises(RuntimeError, match="Can't detach views in-place"):
                view.detach_()


# ---------------------------------------------------------------------------------------------- dtype shorthands
@pytest.mark.parametrize("name,kind", [("int", "int32"), ("bool", "bool"), ("short", "int16"), ("byte", "uint8"),
                                       ("char", "int8")])
def test_dtype_shorthands_as_pytorch(name, kind):
    data = [-1.5, 0.0, 0.7, 2.9, 100.0]
    t = getattr(torch.tensor(data, requires_grad=True) * 1.0, name)()
    g = getattr(tg.tensor(data, requires_grad=True) * 1.0, name)()
    if name == "byte":                          # negative floats into uint8: undefined in C, left out
        t, g = t[1:], g[1:]
    assert g.tolist() == t.tolist() and str(g.dtype) == kind == str(t.dtype).removeprefix("torch.")
    assert not g.requires_grad and g.grad_fn is None and not t.requires_grad
    same = tg.tensor([1, 0], dtype=kind)
    assert getattr(same, name)() is same
    mask = tg.tensor([1.0, -2.0, 3.0]) > 0
    assert mask.int().tolist() == (torch.tensor([1.0, -2.0, 3.0]) > 0).int().tolist() == [1, 0, 1]
    assert tg.tensor([1, 0, 2], dtype="int64").bool().tolist() == [True, False, True]


def test_bfloat16_says_no_backend_has_it():
    with pytest.raises(TypeError, match="bfloat16\\(\\) is not available: the numpy backend has no bfloat16"):
        tg.tensor([1.0]).bfloat16()


# ---------------------------------------------------------------------------------------------- hints
@pytest.mark.parametrize("name", ["mm", "bmm", "addmm", "mv", "dot", "outer", "scatter_add_", "masked_scatter_",
                                  "masked_select", "nan_to_num", "lerp", "lerp_", "floor_", "ceil_", "round_",
                                  "clamp_min", "clamp_max", "logical_not", "uniform_", "normal_", "is_floating_point"])
def test_more_missing_torch_names_say_what_to_write(name):
    assert hasattr(torch.ones(1), name)                 # a PyTorch Tensor method
    x = tg.tensor([1.0])
    assert not hasattr(x, name)
    with pytest.raises(AttributeError, match=f"has no attribute '{name}' \\(a PyTorch Tensor method\\); "):
        getattr(x, name)


def test_every_hinted_name_is_still_missing():
    """A name implemented since (in a mixin) keeps its method: the hint is then not installed, and this test says
    to remove it from MISSING_TORCH_NAMES."""
    x = tg.tensor([1.0])
    assert [name for name in tg.torch_methods.MISSING_TORCH_NAMES if hasattr(x, name)] == []


def test_hinted_spellings_compute_pytorch_values():
    t = torch.tensor([-1.5, -0.5, 0.5, 2.7])
    x = tg.tensor([-1.5, -0.5, 0.5, 2.7])
    assert x.div(1, rounding_mode="floor").tolist() == t.floor().tolist()
    assert (-(-x).div(1, rounding_mode="floor")).tolist() == t.ceil().tolist()
    assert x.div(1, rounding_mode="trunc").tolist() == t.trunc().tolist()
    a, b = torch.tensor([[1.0, 2.0], [3.0, 4.0]]), torch.tensor([[0.5, -1.0], [2.0, 1.0]])
    ga, gb = tg.tensor(a.numpy()), tg.tensor(b.numpy())
    assert (ga @ gb).tolist() == a.mm(b).tolist()
    assert (ga[0].reshape(-1, 1) * gb[1].reshape(1, -1)).tolist() == a[0].outer(b[1]).tolist()
    n = torch.tensor([1.0, float("nan")])
    assert tg.ops.where(tg.tensor(n.numpy()).isnan(), 0.0, tg.tensor(n.numpy())).tolist() == n.nan_to_num().tolist()
