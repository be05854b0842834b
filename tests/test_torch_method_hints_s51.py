"""s51: the hints of PyTorch methods tinygradconv lacks, followed literally, give PyTorch's values and gradients (a
tester found the argsort recipe failing: ``tg.tensor`` of int data is float32, and ``t[order]`` of a 2-D ``t`` along
dim=1 has the wrong shape); the methods added by PyTorch's names (``where``, ``remainder``, ``floor_divide``); and
``any``/``all`` of uint8 staying uint8, as PyTorch's."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

ROWS = np.array([[3.0, 1.0, 2.0, 1.0], [-1.0, 5.0, 0.5, 4.0], [2.0, 2.0, -3.0, 7.0]])
VECTOR = np.array([3.0, 1.0, 2.0, 1.0, -4.0])


def _hint(name):
    with pytest.raises(AttributeError) as caught:
        getattr(tg.tensor([1.0]), name)
    return str(caught.value)


def _run(name, recipes, data, **names):
    """Each recipe (``target = expression``) must appear in the hint word for word; run them in order on a
    ``t`` of ``data`` that requires grad, and return the namespace and ``t``."""
    hint = _hint(name)
    t = tg.tensor(data.copy(), dtype="float64", requires_grad=True)
    namespace = {"np": np, "tg": tg, "t": t, **names}
    for recipe in recipes:
        assert recipe in hint, (recipe, hint)
        exec(recipe, namespace)  # noqa: S102 (the hint's recipe, run as written)
    return namespace, t


def _torch_grad(fn, data):
    x = torch.tensor(data.copy(), requires_grad=True)
    out = fn(x)
    (out * torch.tensor(np.cos(np.arange(out.numel())).reshape(out.shape))).sum().backward()
    return out, x.grad


def _check(ours, t, theirs, their_grad):
    assert tuple(ours.shape) == tuple(theirs.shape)
    np.testing.assert_array_equal(ours.numpy(), theirs.detach().numpy())
    (ours * tg.tensor(np.cos(np.arange(ours.size)).reshape(ours.shape))).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), their_grad.numpy(), rtol=1e-13, atol=1e-15)   # (summation order)


@pytest.mark.parametrize("name", ["argsort", "sort"])
def test_sort_and_argsort_recipes(name):
    # 1-D
    order_line = "order = np.argsort(t.detach().numpy(), axis=dim, kind='stable')"
    ns, t = _run(name, [order_line], VECTOR, dim=0)
    assert "tg.tensor(order, dtype='int64')" in _hint(name)
    exec("indices = tg.tensor(order, dtype='int64')", ns)  # noqa: S102 (the hint's recipe, run as written)
    theirs = torch.tensor(VECTOR).sort(dim=0, stable=True)
    assert str(ns["indices"].dtype) == "int64" and ns["indices"].tolist() == theirs.indices.tolist()
    assert torch.tensor(VECTOR).argsort(dim=0, stable=True).tolist() == ns["indices"].tolist()
    exec("values = t[order]", ns)  # noqa: S102 (the hint's recipe, run as written)
    assert "t[order]" in _hint(name)
    _check(ns["values"], t, *_torch_grad(lambda x: x.sort(dim=0, stable=True).values, VECTOR))
    # 2-D, along dim=1 and dim=0
    for dim, spelling in ((1, "t[np.arange(t.shape[0])[:, None], order]"), (0, "t[order, np.arange(t.shape[1])]")):
        ns, t = _run(name, [order_line], ROWS, dim=dim)
        assert spelling in _hint(name)
        exec("values = " + spelling, ns)  # noqa: S102 (the hint's recipe, run as written)
        _check(ns["values"], t, *_torch_grad(lambda x, dim=dim: x.sort(dim=dim, stable=True).values, ROWS))
        assert (tg.tensor(ns["order"], dtype="int64").tolist()
                == torch.tensor(ROWS).sort(dim=dim, stable=True).indices.tolist())


def test_sort_recipe_puts_nan_last_as_pytorch():
    data = np.array([2.0, np.nan, -1.0, np.nan, 0.0])
    ns, _ = _run("sort", ["order = np.argsort(t.detach().numpy(), axis=dim, kind='stable')"], data, dim=0)
    assert ns["order"].tolist() == torch.tensor(data).sort(stable=True).indices.tolist()


DISTINCT_ROWS = np.array([[3.0, 1.0, 2.0, 1.5], [-1.0, 5.0, 0.5, 4.0], [2.0, 2.5, -3.0, 7.0]])
DISTINCT_VECTOR = np.array([3.0, 1.0, 2.0, 1.5, -4.0])


TOPK_ROWS = ["a = t.detach().numpy()", "order = np.lexsort((-a, ~np.isnan(a)), axis=-1)[:, :k]",
             "values = t[np.arange(t.shape[0])[:, None], order]"]
TOPK_VECTOR = ["a = t.detach().numpy()", "order = np.lexsort((-a, ~np.isnan(a)))[:k]", "values = t[order]"]


def test_topk_recipes():
    """(Without ties: PyTorch's order of equal values is unspecified, and the hint says so.)"""
    k = 2
    ns, t = _run("topk", TOPK_ROWS, DISTINCT_ROWS, k=k)
    _check(ns["values"], t, *_torch_grad(lambda x: x.topk(k, dim=-1).values, DISTINCT_ROWS))
    ns, t = _run("topk", TOPK_VECTOR, DISTINCT_VECTOR, k=k)
    _check(ns["values"], t, *_torch_grad(lambda x: x.topk(k).values, DISTINCT_VECTOR))


NAN = np.nan
NAN_ROWS = np.array([[1.0, NAN, 3.0, 2.0, 3.0, NAN], [np.inf, 2.0, NAN, -1.0, 2.0, 0.0],
                     [-0.0, 0.0, -np.inf, 5.0, 5.0, 5.0]])


@pytest.mark.parametrize("k", [1, 2, 3, 4, 6])
def test_topk_recipe_puts_nan_first_as_pytorch(k):
    """s52: the recipe was ``np.argsort(-a)``, which puts NaN last (``-nan`` is NaN) where ``torch.topk`` counts NaN
    as the largest value: ``[1, nan, 3, 2]`` gave ``[3, 2]`` for torch's ``[nan, 3]``. With NaN and ties: the values
    are torch's for every k (among equal values torch may pick or order another of them, so the gradient is compared
    where its indices are the recipe's: row 0 for every k)."""
    ns, t = _run("topk", TOPK_ROWS, NAN_ROWS, k=k)
    theirs = torch.tensor(NAN_ROWS).topk(k, dim=-1)
    np.testing.assert_array_equal(ns["values"].numpy(), theirs.values.numpy())
    for row, data in enumerate(NAN_ROWS):
        ns, t = _run("topk", TOPK_VECTOR, data.copy(), k=k)
        theirs = torch.tensor(data).topk(k)
        np.testing.assert_array_equal(ns["values"].numpy(), theirs.values.numpy())
        if ns["order"].tolist() == theirs.indices.tolist():        # the same elements, in the same order
            _check(ns["values"], t, *_torch_grad(lambda x, k=k: x.topk(k).values, data))
    assert _run("topk", TOPK_VECTOR, NAN_ROWS[0].copy(), k=6)[0]["order"].tolist() == \
        torch.tensor(NAN_ROWS[0]).topk(6).indices.tolist() == [1, 5, 2, 4, 3, 0]


def test_kthvalue_recipes():
    k = 3
    ns, t = _run("kthvalue", ["order = np.argsort(t.detach().numpy(), kind='stable')",
                              "value = t[int(order[k - 1])]"], DISTINCT_VECTOR, k=k)
    _check(ns["value"], t, *_torch_grad(lambda x: x.kthvalue(k).values, DISTINCT_VECTOR))
    ns, t = _run("kthvalue", ["order = np.argsort(t.detach().numpy(), axis=1, kind='stable')[:, k - 1]",
                              "values = t[np.arange(t.shape[0]), order]"], DISTINCT_ROWS, k=k)
    _check(ns["values"], t, *_torch_grad(lambda x: x.kthvalue(k, dim=1).values, DISTINCT_ROWS))


@pytest.mark.parametrize("shifts", [1, -2, 5])
def test_roll_recipes(shifts):
    ns, t = _run("roll", ["t[(np.arange(t.shape[0]) - shifts) % t.shape[0]]"], ROWS, shifts=shifts)
    _check(eval("t[(np.arange(t.shape[0]) - shifts) % t.shape[0]]", ns), t,
           *_torch_grad(lambda x: x.roll(shifts, 0), ROWS))
    ns, t = _run("roll", ["t[:, (np.arange(t.shape[1]) - shifts) % t.shape[1]]"], ROWS, shifts=shifts)
    _check(eval("t[:, (np.arange(t.shape[1]) - shifts) % t.shape[1]]", ns), t,
           *_torch_grad(lambda x: x.roll(shifts, 1), ROWS))


def test_tile_recipe():
    ns, t = _run("tile", ["t.repeat(1, 2)"], ROWS)
    _check(eval("t.repeat(1, 2)", ns), t, *_torch_grad(lambda x: x.tile((2,)), ROWS))
    ns, t = _run("tile", [], ROWS)
    _check(t.repeat(3, 2), t, *_torch_grad(lambda x: x.tile((3, 2)), ROWS))


def test_take_along_dim_recipes():
    indices = np.array([[3, 0], [1, 1], [2, 0]])
    ns, t = _run("take_along_dim", ["t[np.arange(t.shape[0])[:, None], indices]"], ROWS, indices=indices)
    _check(eval("t[np.arange(t.shape[0])[:, None], indices]", ns), t,
           *_torch_grad(lambda x: x.take_along_dim(torch.tensor(indices), dim=1), ROWS))
    indices = np.array([[2, 0, 1, 1]])
    ns, t = _run("take_along_dim", ["t[indices, np.arange(t.shape[1])]"], ROWS, indices=indices)
    _check(eval("t[indices, np.arange(t.shape[1])]", ns), t,
           *_torch_grad(lambda x: x.take_along_dim(torch.tensor(indices), dim=0), ROWS))


@pytest.mark.parametrize("other", [3.0, -2.5])
def test_fmod_recipe(other):
    data = np.array([-7.0, 7.0, 5.5, -0.5, 6.0])
    ns, t = _run("fmod", ["t - tg.ops.trunc(t / other) * other"], data, other=other)
    _check(eval("t - tg.ops.trunc(t / other) * other", ns), t, *_torch_grad(lambda x: x.fmod(other), data))


def test_unique_recipe():
    for data, dtype in ((np.array([3, 1, 3, -2, 1]), "int64"), (np.array([2.5, -1.0, 2.5]), "float32")):
        t = tg.tensor(data, dtype=dtype)
        assert "tg.tensor(np.unique(t.numpy()), dtype=t.dtype)" in _hint("unique")
        ours = eval("tg.tensor(np.unique(t.numpy()), dtype=t.dtype)", {"np": np, "tg": tg, "t": t})
        theirs = torch.tensor(data, dtype=getattr(torch, dtype)).unique()
        assert ours.tolist() == theirs.tolist() and tg.backend.dtype_name(ours.dtype) == dtype


def test_scatter_add_recipe():
    index, src_data = np.array([0, 2, 0, 3]), np.array([1.0, 2.0, 3.0, 4.0])
    recipe = "t + tg.tensor(np.eye(t.shape[0])[index].T, dtype=src.dtype) @ src"
    src = tg.tensor(src_data, dtype="float64", requires_grad=True)
    ns, t = _run("scatter_add", [], VECTOR[:4], index=index, src=src)
    assert recipe in _hint("scatter_add")
    ours = eval(recipe, ns)
    x, s = torch.tensor(VECTOR[:4], requires_grad=True), torch.tensor(src_data, requires_grad=True)
    theirs = x.scatter_add(0, torch.tensor(index), s)
    weights = np.cos(np.arange(4))
    (theirs * torch.tensor(weights)).sum().backward()
    (ours * tg.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    np.testing.assert_array_equal(t.grad.numpy(), x.grad.numpy())
    np.testing.assert_array_equal(src.grad.numpy(), s.grad.numpy())


def test_where_remainder_floor_divide_methods_as_pytorch():
    data = np.array([-7.0, 7.0, 2.5, -0.5])
    x, xt = tg.tensor(data, dtype="float64", requires_grad=True), torch.tensor(data, requires_grad=True)
    ours = x.where(x > 0, 0.5 * x) + x.remainder(3.0) + x.remainder(tg.tensor([2.0, -2.0, 1.5, 4.0], dtype="float64"))
    theirs = xt.where(xt > 0, 0.5 * xt) + xt.remainder(3.0) + xt.remainder(torch.tensor([2.0, -2.0, 1.5, 4.0]))
    np.testing.assert_array_equal(ours.detach().numpy(), theirs.detach().numpy())
    ours.sum().backward()
    theirs.sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), xt.grad.numpy())
    i, it = tg.tensor([-7, 7, 9], dtype="int64"), torch.tensor([-7, 7, 9])
    assert i.floor_divide(2).tolist() == it.floor_divide(2).tolist()
    assert tg.tensor(data).floor_divide(2.0).tolist() == torch.tensor(data).floor_divide(2.0).tolist()
    assert i.remainder(-4).tolist() == it.remainder(-4).tolist()
    assert i.where(i > 0, 0).tolist() == it.where(it > 0, 0).tolist()


@pytest.mark.parametrize("kind", ["uint8", "int8", "int64", "float32", "bool"])
def test_any_all_dtype_as_pytorch(kind):
    data = np.array([[0, 2], [0, 0], [1, 3]])
    ours_t, theirs_t = tg.tensor(data, dtype=kind), torch.tensor(data, dtype=getattr(torch, kind))
    for call in ("any()", "all()", "any(dim=1)", "all(dim=0, keepdim=True)", "any(dim=(0, 1))"):
        ours, theirs = eval("t." + call, {"t": ours_t}), eval("t." + call, {"t": theirs_t})
        assert tg.backend.dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch."), call
        assert ours.tolist() == theirs.tolist(), call
