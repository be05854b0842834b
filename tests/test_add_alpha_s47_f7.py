"""A reviewer's findings on float64 ``x.add(y, alpha=a)`` (ops.fused_multiply_add): a tensor broadcast along
the last dimension is rounded twice by PyTorch where its vector loop leaves elements over (documented; ours exact),
a product that overflows gave NaN or inf where PyTorch's fused multiply-add does not overflow, ``mask.sub(x,
alpha=2)`` named the wrong argument, a zero ``y`` took the slow path, the graph's value was computed and thrown
away without a graph; and ``concat`` of int64 and float32 follows the promotion of ``+``."""
import warnings

import numpy as np
import pytest
from helpers import exact_multiply_add, same_bits, torch_on_one_thread

import tinygradconv as tg
from tinygradconv.ops import fused_multiply_add

torch = pytest.importorskip("torch", reason="PyTorch is the reference of add(alpha=)")


@pytest.mark.parametrize("kind", ["float64", "float32", "float16"])
def test_a_tensor_broadcast_along_the_last_dimension_is_where_torch_rounds_twice(kind):
    """The documented exception: ``y`` of shape ``(n, 1)`` beside ``x`` ``(n, 13)``. Ours is rounded once (float64:
    the exact fractions); where PyTorch's differs, it is its two roundings ``x + round(alpha * y)``."""
    rng = np.random.default_rng(0)
    x, y = rng.standard_normal((300, 13)).astype(kind), rng.standard_normal((300, 1)).astype(kind)
    ours = tg.tensor(x).add(tg.tensor(y), alpha=0.1).numpy()
    with torch_on_one_thread():
        theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=0.1).numpy()
    alpha = np.dtype(kind).type(0.1)
    twice = (x + (alpha * y).astype(kind)).astype(kind)
    if kind == "float64":
        assert same_bits(ours, exact_multiply_add(x, y, 0.1))
    else:      # rounded once from the exact product and sum in float64 (float16: PyTorch's float32 step too)
        wide = (x.astype(np.float64) + np.float64(alpha) * y.astype(np.float64))
        once = wide.astype(np.float32).astype(kind) if kind == "float16" else wide.astype(kind)
        assert np.array_equal(ours, once)
    differ = ours != theirs
    assert differ.any()                                 # the exception is real
    assert np.array_equal(theirs[differ], twice[differ])
    assert not differ[:, 0].any() or kind == "float16"  # the leftover elements are at the end of each row


@pytest.mark.parametrize("x, y, alpha, expected", [
    (np.inf, 1e308, -2.0, np.inf),              # the product overflows to -inf: inf + -inf was NaN
    (-np.inf, -1e308, -2.0, -np.inf),
    (-np.inf, 1e308, 3.0, -np.inf),
    (-1e308, 1e200, 2.5e108, 1.5e308),          # the exact sum is finite: it was inf
    (1e308, 1e308, -2.5, -1.5e308),
    (1.0, 1e200, 3e108, np.inf),                # the exact sum overflows: inf, as the fma
])
def test_a_product_that_overflows_is_no_overflow_as_in_torchs_fma(x, y, alpha, expected):
    tx, ty = np.array([x]), np.array([y])
    theirs = torch.from_numpy(tx).add(torch.from_numpy(ty), alpha=alpha).item()
    ours = tg.tensor(tx, dtype="float64").add(tg.tensor(ty, dtype="float64"), alpha=alpha).item()
    assert ours == theirs == pytest.approx(expected, rel=1e-15)
    if np.isfinite(x):
        assert ours == exact_multiply_add(tx, ty, alpha).item()


def test_products_that_overflow_near_cancellation_are_pytorchs_bits():
    """2000 elements whose product overflows (``|alpha * y|`` between 0.5 and 3 times the largest float64) beside
    an ``x`` of the other sign that brings most back: bit for bit PyTorch's and the exact fractions'."""
    big = np.finfo(np.float64).max
    rng = np.random.default_rng(5)
    alpha = 3.0 ** 250                                              # about 2**396
    y = big / alpha * rng.uniform(0.5, 3, 2000)                     # |alpha * y| about 0.5 to 3 times big
    x = -big * rng.uniform(0.3, 1, 2000)
    with np.errstate(over="ignore"):
        assert np.isinf(alpha * y).sum() > 500
    ours = tg.tensor(x, dtype="float64").add(tg.tensor(y, dtype="float64"), alpha=alpha).numpy()
    theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=alpha).numpy()
    assert same_bits(ours, theirs)
    assert same_bits(ours, exact_multiply_add(x, y, alpha))


class _CountingNumPy:
    """NumPy, counting calls of ``where`` (the slow fallback of ``multiply_add``'s blocks)."""

    def __init__(self):
        self.wheres = 0

    def __getattr__(self, name):
        if name == "where":
            self.wheres += 1
        return getattr(np, name)


def test_a_zero_y_is_exact_without_the_slow_path():
    """Half the ``y`` zero (as in gradients), signed zeros among them: PyTorch's bits, and no ``where`` taken."""
    rng = np.random.default_rng(6)
    x, y = rng.standard_normal(4000), rng.standard_normal(4000)
    y[::2] = 0.0
    y[1:40:4] = -0.0
    x[:20] = -0.0
    for alpha in (0.1, -0.1):
        theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=alpha).numpy()
        ours = fused_multiply_add.multiply_add(np, y, alpha, x)
        assert same_bits(ours, theirs) and np.array_equal(ours, exact_multiply_add(x, y, alpha))  # (fractions: no -0)
    counting = _CountingNumPy()
    fused_multiply_add.multiply_add(counting, y[20:], 0.1, x[20:])     # (x + -0 * 0.1 for x = -0 takes the fallback)
    assert counting.wheres == 0


def test_sub_with_alpha_names_self_when_self_is_the_bool():
    mask, x = tg.tensor([1.0, 2.0]) > 1.5, tg.tensor([1.0, 2.0])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with a bool tensor"):
        torch.tensor([False, True]).sub(torch.tensor([1.0, 2.0]), alpha=2)
    for other, described in ((x, "a float32 tensor of shape (2,)"), (2.0, "2.0")):
        with pytest.raises(TypeError) as error:
            mask.sub(other, alpha=2)
        assert str(error.value).startswith("Invalid type for argument `self` of sub: `-` does not take a bool")
        assert str(error.value).endswith(f"Received a bool tensor of shape (2,) as self, beside {described}")


@pytest.mark.parametrize("kind", ["float16", "float32", "float64"])
@pytest.mark.parametrize("other", ["tensor", "number", "array"])
def test_add_with_alpha_without_a_graph_is_computed_once(monkeypatch, kind, other):
    """No graph (``no_grad``, or nothing requires grad): the value alone, without ``self + alpha * other``
    (Tensor.__add__ is not called); the same bits as PyTorch's; with a graph, the gradients of ``+``."""
    rng = np.random.default_rng(7)
    x, y = rng.standard_normal(103).astype(kind), rng.standard_normal(103).astype(kind)
    operand = {"tensor": tg.tensor(y), "number": 0.3, "array": y}[other]
    theirs_other = torch.from_numpy(y) if other != "number" else 0.3
    with torch_on_one_thread():
        theirs = torch.from_numpy(x[:96]).add(theirs_other if other == "number" else theirs_other[:96],
                                              alpha=0.1).numpy()
    with_graph = tg.tensor(x, requires_grad=True)
    recorded = with_graph.sub(operand, alpha=-0.1)
    recorded.sum().backward()
    assert np.array_equal(with_graph.grad.numpy(), np.ones(103, kind))
    calls = []
    original = tg.Tensor.__add__
    monkeypatch.setattr(tg.Tensor, "__add__", lambda *a: calls.append(a) or original(*a))
    ours = tg.tensor(x).add(operand, alpha=0.1)
    with tg.no_grad():
        ours_no_grad = tg.tensor(x, requires_grad=True).add(operand, alpha=0.1)
    assert calls == []
    assert not ours.requires_grad and not ours_no_grad.requires_grad and ours.dtype == kind
    assert np.array_equal(ours.numpy(), recorded.detach().numpy())
    assert np.array_equal(ours.numpy(), ours_no_grad.numpy())
    assert np.array_equal(ours.numpy()[:96], theirs)   # (PyTorch's leftover elements aside, as documented)


def test_concat_of_int64_and_float32_follows_plus():
    """One rule for ``+`` and ``concat`` (docs/concepts.md "Promotion"): int64 beside float32 is float32 in both, as
    PyTorch's ``cat`` and ``+`` give it; an empty int64 piece still counts for the dtype, as in ``torch.cat``."""
    ints, floats = tg.tensor(np.zeros(0), dtype="int64"), tg.tensor([1.0, 2.0])
    expected = torch.cat([torch.zeros(0, dtype=torch.int64), torch.ones(2)]).dtype
    assert expected == (torch.ones(1, dtype=torch.int64) + torch.ones(2)).dtype == torch.float32
    assert tg.ops.concat([ints, floats]).dtype == (tg.tensor([1], dtype="int64") + floats).dtype == "float32"
    assert tg.ops.concat([ints, floats]).tolist() == [1.0, 2.0]


@pytest.mark.parametrize("size", [3, fused_multiply_add.MULTIPLY_ADD_BLOCK + 3])    # one block, several
def test_multiply_add_called_directly_is_silent_on_overflow(size):
    """Overflow to inf and ``inf - inf = nan`` pass silently inside ``multiply_add`` itself, as in PyTorch (the
    errstate was only in its caller, so a direct call printed NumPy RuntimeWarnings); the values are PyTorch's."""
    x = np.resize(np.array([np.inf, -1.7e308, 1.0]), size)
    y = np.resize(np.array([1e308, 1e200, np.nan]), size)
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        ours = fused_multiply_add.multiply_add(np, y, -2.0, x)
    theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=-2.0).numpy()
    np.testing.assert_array_equal(ours, theirs)
