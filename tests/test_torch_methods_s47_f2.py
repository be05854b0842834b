"""Brief s47 f2: float64 ``add``/``sub`` with a power-of-two ``alpha`` (plain path, still PyTorch's bits), the
two-bool ``-`` message quoting PyTorch, torch's view methods (``expand_as``, ``view_as``, ``narrow``, ``movedim``,
``moveaxis``, ``swapaxes``, ``swapdims``, ``ravel``, ``unflatten``) and ``ops.concat`` of a 1-D empty tensor."""
from pathlib import Path

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these tensor methods")


@pytest.mark.parametrize("alpha", [2, 2.0, 0.5, -4, 2.0**-10, 0.0, -1])
@pytest.mark.parametrize("op", ["add", "sub"])
def test_float64_add_with_a_power_of_two_alpha_is_pytorchs_bits(alpha, op):
    rng = np.random.default_rng(1)
    x = rng.standard_normal(100_003) * np.exp(rng.uniform(-30, 30, 100_003))
    y = rng.standard_normal(100_003) * np.exp(rng.uniform(-30, 30, 100_003))
    x[:4] = [np.inf, np.nan, -0.0, 1.0]
    y[:4] = [1.0, 2.0, 0.0, -1.0 / alpha if alpha else 3.0]
    torch.set_num_threads(1)
    want = getattr(torch.tensor(x), op)(torch.tensor(y), alpha=alpha).numpy()
    got = getattr(tg.tensor(x), op)(tg.tensor(y), alpha=alpha).numpy()
    np.testing.assert_array_equal(got.view(np.uint64), want.view(np.uint64))


def test_float64_add_with_a_power_of_two_alpha_keeps_its_gradients():
    x = tg.tensor(np.array([1.0, 2.0]), requires_grad=True)
    y = tg.tensor(np.array([3.0, 4.0]), requires_grad=True)
    x.add(y, alpha=-0.5).sum().backward()
    assert x.grad.tolist() == [1.0, 1.0] and y.grad.tolist() == [-0.5, -0.5]


def test_float64_add_with_a_power_of_two_alpha_skips_the_slow_path(monkeypatch):
    """The exact product needs no fused multiply-add (16x the time of ``x + alpha * y`` on 10**6 elements)."""
    from tinygradconv.ops import fused_multiply_add

    def refuse(*args):
        raise AssertionError("multiply_add called for a power-of-two alpha")

    monkeypatch.setattr(fused_multiply_add, "multiply_add", refuse)
    x, y = tg.tensor(np.array([0.1, 0.2])), tg.tensor(np.array([0.3, 0.7]))
    assert x.add(y, alpha=2.0).tolist() == (torch.tensor([0.1, 0.2], dtype=torch.float64)
                                            + 2 * torch.tensor([0.3, 0.7], dtype=torch.float64)).tolist()
    with pytest.raises(AssertionError, match="multiply_add called"):
        x.add(y, alpha=3.0)


def _torch_words(function):
    with pytest.raises((RuntimeError, NotImplementedError)) as refusal:
        function()
    return str(refusal.value)


@pytest.mark.parametrize("case", ["mask - mask", "mask - True", "True - mask", "mask - 1.0", "x - mask", "-mask",
                                  "mask % mask", "mask // mask", "mask ** mask", "floor", "trunc", "sub"])
def test_bool_refusals_quote_pytorchs_words(case):
    """Ours are TypeErrors in our own words, quoting PyTorch 2.13's message for the same operands."""
    mask, x = tg.tensor([True, False], dtype="bool"), tg.tensor([1.0, 2.0])
    tmask, tx = torch.tensor([True, False]), torch.tensor([1.0, 2.0])
    if case == "floor" or case == "trunc":
        ours, theirs = (lambda: mask.div(mask, rounding_mode=case)), (lambda: tmask.div(tmask, rounding_mode=case))
    elif case == "sub":
        ours, theirs = (lambda: x.sub(mask, alpha=2)), (lambda: tx.sub(tmask, alpha=2))
    elif case == "-mask":
        ours, theirs = (lambda: -mask), (lambda: -tmask)
    else:
        ours = lambda: eval(case, {"mask": mask, "x": x})
        theirs = lambda: eval(case, {"mask": tmask, "x": tx})
    words = _torch_words(theirs)
    with pytest.raises(TypeError) as refusal:
        ours()
    message = str(refusal.value)
    assert words in message, (words, message)
    assert message.startswith("Invalid type for argument")


VIEW_CALLS = [
    ("swapaxes", (0, 2)), ("swapaxes", (-1, 1)), ("swapdims", (2, 0)), ("moveaxis", (0, -1)),
    ("movedim", ((0, 1), (2, 0))), ("movedim", ([2], [0])), ("narrow", (1, -2, 2)), ("narrow", (2, 0, 0)),
    ("narrow", (0, 1, 1)), ("ravel", ()), ("unflatten", (2, (2, -1))), ("unflatten", (-1, [1, 4, 1])),
    ("unflatten", (0, (2,))),
]


@pytest.mark.parametrize("name, args", VIEW_CALLS, ids=str)
def test_view_methods_values_and_gradients_as_torch(name, args):
    rng = np.random.default_rng(0)
    data = rng.standard_normal((2, 3, 4))
    x, tx = tg.tensor(data, requires_grad=True), torch.tensor(data, requires_grad=True)
    out, tout = getattr(x, name)(*args), getattr(tx, name)(*args)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    weights = rng.standard_normal(out.shape)
    (out * tg.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_expand_as_and_view_as_as_torch():
    rng = np.random.default_rng(1)
    a, target = rng.standard_normal((3, 1)), np.zeros((2, 3, 4), dtype=np.int64)
    x, tx = tg.tensor(a, requires_grad=True), torch.tensor(a, requires_grad=True)
    out, tout = x.expand_as(tg.tensor(target)), tx.expand_as(torch.tensor(target))
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    weights = rng.standard_normal((2, 3, 4))
    (out * tg.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)
    y, ty = tg.tensor(a), torch.tensor(a)
    viewed, tviewed = y.view_as(tg.tensor(np.zeros((1, 3)))), ty.view_as(torch.zeros(1, 3))
    assert viewed.dtype == "float64" and viewed.shape == tuple(tviewed.shape)
    np.testing.assert_array_equal(viewed.numpy(), tviewed.numpy())


@pytest.mark.parametrize("name, args", VIEW_CALLS[:10] + [("expand_as", None), ("view_as", None)], ids=str)
def test_view_methods_are_views_of_a_leaf_as_torch(name, args):
    """An in-place write into one while recording is PyTorch's "a view of a leaf Variable" RuntimeError."""
    w, tw = tg.tensor(np.ones((2, 3, 4)), requires_grad=True), torch.ones(2, 3, 4, dtype=torch.float64,
                                                                           requires_grad=True)
    if name == "expand_as":
        view, tview = w[:1].expand_as(w), tw[:1].expand_as(tw)
    elif name == "view_as":
        view, tview = w.view_as(tg.tensor(np.zeros(24))), tw.view_as(torch.zeros(24))
    else:
        view, tview = getattr(w, name)(*args), getattr(tw, name)(*args)
    assert tview._is_view()
    with pytest.raises(RuntimeError, match="view of a leaf Variable"):
        tview.add_(1.0)
    with pytest.raises(RuntimeError, match="view of a leaf"):
        view.add_(1.0)


ERRORS = [
    ("narrow", (1, 4, 0), IndexError), ("narrow", (1, 0, -1), ValueError), ("narrow", (1, 2, 2), ValueError),
    ("narrow", (3, 0, 1), IndexError), ("narrow", (1, 0.5, 1), TypeError), ("narrow", (True, 0, 1), TypeError),
    ("movedim", ((0, 0), (1, 0)), ValueError), ("movedim", ((0, 1), (1, 1)), ValueError),
    ("movedim", (3, 0), IndexError), ("swapaxes", (0, 3), IndexError), ("swapdims", (0.0, 1), TypeError),
    ("unflatten", (1, (2, 2)), ValueError), ("unflatten", (1, ()), ValueError),
    ("unflatten", (1, (-1, -1)), ValueError),
    ("unflatten", (1, 3), TypeError), ("expand_as", ((2, 3, 4),), TypeError), ("view_as", (np.zeros(24),), TypeError),
]


@pytest.mark.parametrize("name, args, error", ERRORS, ids=str)
def test_view_method_errors_as_torch(name, args, error):
    """PyTorch refuses the same calls (its RuntimeError is our ValueError, its IndexError and TypeError ours)."""
    with pytest.raises((RuntimeError, IndexError, TypeError)) as theirs:
        getattr(torch.zeros(2, 3, 4), name)(*args)
    if error is ValueError:
        assert theirs.type is RuntimeError
    else:
        assert issubclass(theirs.type, error)
    with pytest.raises(error) as ours:
        getattr(tg.tensor(np.zeros((2, 3, 4))), name)(*args)
    assert str(ours.value).startswith(("Invalid", name))


def test_rank_0_and_tensor_start_as_torch():
    with pytest.raises(RuntimeError, match="0-dim"):
        torch.tensor(1.0).narrow(0, 0, 1)
    with pytest.raises(ValueError, match="rank-0"):
        tg.tensor(1.0).narrow(0, 0, 1)
    assert tg.tensor(1.0).ravel().shape == tuple(torch.tensor(1.0).ravel().shape) == (1,)
    assert tg.tensor(1.0).swapaxes(0, -1).shape == tuple(torch.tensor(1.0).swapaxes(0, -1).shape) == ()
    x = np.arange(6.0).reshape(2, 3)
    np.testing.assert_array_equal(tg.tensor(x).narrow(1, tg.tensor(1, dtype="int64"), 2).numpy(),
                                  torch.tensor(x).narrow(1, torch.tensor(1), 2).numpy())


def test_in_place_refusals_are_as_docs_concepts_says():
    """docs/concepts.md: refused on a leaf that requires grad or a view of one while recording (a RuntimeError as
    PyTorch's); recorded on an op's output, or with an `other` that requires grad, as torch records the write; in
    place under no_grad() and on tensors without grad."""
    text = (Path(__file__).parent.parent / "docs" / "concepts.md").read_text(encoding="utf-8")
    assert "`y = x * 2; y.add_(1.)`" in text and "refused on a\n  leaf that requires grad, or a view of one" not in text
    w = tg.tensor(np.ones(3), requires_grad=True)
    tw = torch.ones(3, dtype=torch.float64, requires_grad=True)
    for write in (lambda v: v.add_(1.0), lambda v: v[0].add_(1.0)):
        with pytest.raises(RuntimeError):
            write(tw)
        with pytest.raises(RuntimeError):
            write(w)
    ty, y = (tw * 2).add_(1.0), (w * 2).add_(1.0)                 # both record it
    assert ty.grad_fn.name() == "AddBackward0" and y.grad_fn.name() == "AddBackward"
    tc, c = torch.ones(3, dtype=torch.float64).add_(tw), tg.tensor(np.ones(3)).add_(w)
    assert (c.requires_grad, c.is_leaf) == (tc.requires_grad, tc.is_leaf) == (True, False)
    (c * y).sum().backward()
    (tc * ty).sum().backward()
    assert w.grad.tolist() == tw.grad.tolist()
    with tg.no_grad():
        w.add_(1.0)
    assert w.tolist() == [2.0, 2.0, 2.0]


@pytest.mark.parametrize("shapes, dim", [([(2, 3), (0,)], 0), ([(0,), (2, 3)], 1), ([(2, 3), (0,), (2, 1)], -1),
                                         ([(0,), (0,)], 0), ([(0,), (0, 3), (2, 3)], 0), ([(0,), (4,)], 0)],
                         ids=str)
def test_concat_passes_over_a_1d_empty_tensor_as_torch_cat(shapes, dim):
    rng = np.random.default_rng(2)
    data = [rng.standard_normal(shape) for shape in shapes]
    ours = [tg.tensor(d, requires_grad=True) for d in data]
    theirs = [torch.tensor(d, requires_grad=True) for d in data]
    out, tout = tg.ops.concat(ours, dim=dim), torch.cat(theirs, dim=dim)
    assert out.shape == tuple(tout.shape)
    np.testing.assert_array_equal(out.numpy(), tout.detach().numpy())
    weights = rng.standard_normal(out.shape)
    (out * tg.tensor(weights)).sum().backward()
    (tout * torch.tensor(weights)).sum().backward()
    for x, tx in zip(ours, theirs):
        assert x.grad.shape == tuple(tx.grad.shape)
        np.testing.assert_array_equal(x.grad.numpy(), tx.grad.numpy())


def test_concat_of_a_1d_empty_tensor_keeps_torchs_dtype_and_errors():
    joined = tg.ops.concat([tg.tensor(np.zeros(0)), tg.tensor(np.ones((2, 3)), dtype="float32")], axis=0)
    want = torch.cat([torch.zeros(0, dtype=torch.float64), torch.ones(2, 3)])
    assert joined.dtype == "float64" and want.dtype == torch.float64
    with pytest.raises(IndexError):
        torch.cat([torch.ones(2, 3), torch.zeros(0)], dim=2)
    with pytest.raises(ValueError, match="axis"):
        tg.ops.concat([tg.tensor(np.ones((2, 3))), tg.tensor(np.zeros(0))], dim=2)
    with pytest.raises(RuntimeError):
        torch.cat([torch.ones(2, 3), torch.zeros(1)])
    with pytest.raises(ValueError, match="differ outside axis 0"):
        tg.ops.concat([tg.tensor(np.ones((2, 3))), tg.tensor(np.zeros(1))])
