"""Brief s47, item 5: ``x.sub(mask, alpha=2)`` refused by the rule of ``-`` (one message, which names the argument
``other`` of sub), the dtype of ``x.add(y, alpha=a)`` by the promotion of ``+`` (one function,
``ops.elementwise.promoted_dtype``); item 6: float64 ``x.add(y, alpha=a)`` rounded once, as PyTorch's CPU kernel
(a fused multiply-add), bit for bit."""

import numpy as np
import pytest
from helpers import exact_multiply_add, same_bits, torch_on_one_thread

import tinygradconv as tg
from tinygradconv.ops.elementwise import promoted_dtype

torch = pytest.importorskip("torch", reason="PyTorch is the reference of add(alpha=) and its refusals")


@pytest.mark.parametrize("kind", ["float32", "int64", "bool"])
def test_sub_with_alpha_refuses_a_bool_by_the_rule_of_minus(backend, kind):
    """The same words as ``x - mask`` (one refusal), with the argument named: ``other`` of sub."""
    if kind == "bool" and backend == "cupy":
        pytest.skip("covered on the other backends")
    x = tg.tensor(np.array([1, 0]), dtype=kind, backend=backend)
    mask = tg.tensor([True, False], dtype="bool", backend=backend)
    tx, tm = torch.tensor([1, 0], dtype=getattr(torch, kind)), torch.tensor([True, False])
    with pytest.raises(RuntimeError, match="Subtraction, the `-` operator, with (a bool tensor|two bool tensors)"):
        tx.sub(tm, alpha=2)
    with pytest.raises(TypeError) as by_operator:
        x - mask
    with pytest.raises(TypeError) as by_method:
        x.sub(mask, alpha=2)
    operator_words = str(by_operator.value).removeprefix("Invalid type for argument: ")
    assert str(by_method.value).startswith("Invalid type for argument `other` of sub: " + operator_words)
    assert f"Received a bool tensor of shape (2,) for a {kind} tensor" in str(by_method.value)


PAIRS = [(a, b) for a in ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64")
         for b in ("bool", "int8", "uint8", "int32", "int64", "float16", "float32", "float64")]


@pytest.mark.parametrize("a, b", PAIRS)
def test_the_dtype_of_add_with_alpha_is_that_of_plus(a, b):
    """One rule for both (``promoted_dtype``), against PyTorch's ``+`` of two tensors (an integer or bool beside a
    float takes the float's dtype, a bool beside a number the number's; two bools stay bool)."""
    expected = str((torch.zeros(1, dtype=getattr(torch, a)) + torch.zeros(1, dtype=getattr(torch, b))).dtype)
    expected = expected.removeprefix("torch.")
    assert promoted_dtype(a, b) == expected
    x, y = tg.tensor(np.ones(2), dtype=a), tg.tensor(np.ones(2), dtype=b)
    if a == b == "bool":
        assert x.add(y, alpha=True).dtype == "bool"
    else:
        assert x.add(y, alpha=3).dtype == (x + y).dtype == expected


def _near_cancellation(y, rng):
    return -0.1 * y * (1 + rng.uniform(-1e-14, 1e-14, y.shape)), y


OPERANDS = {
    "random magnitudes": lambda rng: (rng.standard_normal(10_007) * np.exp(rng.uniform(-40, 40, 10_007)),
                                      rng.standard_normal(10_007) * np.exp(rng.uniform(-40, 40, 10_007))),
    "near cancellation": lambda rng: _near_cancellation(rng.standard_normal(4_003), rng),
    "integers (ties)": lambda rng: (rng.integers(-2**53, 2**53, 4_003).astype(float),
                                    rng.integers(-2**20, 2**20, 4_003).astype(float)),
    "broadcast y": lambda rng: (rng.standard_normal((50, 37)), rng.standard_normal((1, 37))),
    "broadcast x": lambda rng: (rng.standard_normal(37), rng.standard_normal((50, 37))),
    "tail of 5": lambda rng: (rng.standard_normal(13), rng.standard_normal(13)),
}


@pytest.mark.parametrize("case", list(OPERANDS))
@pytest.mark.parametrize("alpha", [0.1, 1 / 3, -7.123, 3])
def test_float64_add_with_alpha_is_rounded_once_as_torch(backend, case, alpha):
    """``x.add(y, alpha=a)`` of float64 tensors rounded twice (``alpha * y``, then the sum): 4 to 25% of elements
    an ulp from PyTorch, whose kernel is a fused multiply-add. Now bit for bit both PyTorch's and the exact
    fractions' (PyTorch is checked against them too, so the reference is not PyTorch alone); ``sub`` too."""
    x, y = OPERANDS[case](np.random.default_rng(47))
    exact = exact_multiply_add(x, y, alpha)
    theirs = torch.from_numpy(x).add(torch.from_numpy(np.ascontiguousarray(y)), alpha=alpha).numpy()
    assert same_bits(theirs, exact)
    tx, ty = tg.tensor(x, dtype="float64", backend=backend), tg.tensor(y, dtype="float64", backend=backend)
    assert same_bits(tx.add(ty, alpha=alpha).numpy(), exact)
    assert same_bits(tx.sub(ty, alpha=-alpha).numpy(), exact)
    if case in ("random magnitudes", "near cancellation"):
        assert not same_bits(x + alpha * y, exact)           # rounding twice (the old way) differs


def test_float64_add_with_alpha_keeps_nan_inf_and_signed_zeros_as_torch(backend):
    x = np.array([np.nan, np.inf, -np.inf, -0.0, -0.0, 0.0, 1.0, np.inf, 1e308, -0.0, 1e-300])
    y = np.array([1.0, 2.0, np.inf, -0.0, 0.0, -0.0, np.nan, -np.inf, 1e299, 1e-320, 3e-260])
    for alpha in (0.1, -2.5, 0.0, -0.0):
        theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=alpha).numpy()
        ours = tg.tensor(x, dtype="float64", backend=backend).add(tg.tensor(y, dtype="float64", backend=backend),
                                                                 alpha=alpha).numpy()
        assert same_bits(ours, theirs), (alpha, ours, theirs)


def test_float64_add_with_alpha_where_it_is_documented_to_round_twice():
    """The documented exception: a product under ``2**-900`` (rounded twice: equal to ``x + alpha * y``, which
    differs from PyTorch's there). (A product that overflows where the exact sum is finite was one too, inf here:
    now PyTorch's finite sum, tests/test_add_alpha_s47_f7.py; and a ``y`` of ``2**995`` or more, now rebalanced on
    NumPy since s50: PyTorch's and the exact fractions' bits.)"""
    rng = np.random.default_rng(2)
    x = rng.standard_normal(1000) * 1e300
    y = rng.choice([-1.0, 1.0], 1000) * rng.uniform(2.0 ** 995, 2.0 ** 1000, 1000)
    ours = tg.tensor(x, dtype="float64").add(tg.tensor(y, dtype="float64"), alpha=0.1).numpy()
    theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=0.1).numpy()
    assert same_bits(ours, theirs) and same_bits(ours, exact_multiply_add(x, y, 0.1))
    assert not same_bits(x + 0.1 * y, theirs)
    x, y = np.array([1e-310]), np.array([3e-310])
    ours = tg.tensor(x, dtype="float64").add(tg.tensor(y, dtype="float64"), alpha=-2.5).item()
    assert ours == (x + -2.5 * y).item() == -6.49999999999996e-310
    theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=-2.5).item()
    assert theirs == exact_multiply_add(x, y, -2.5).item() == -6.5e-310


def test_float64_add_with_a_number_other_is_fused_where_torchs_vector_loop_is():
    """For a number ``other`` PyTorch fuses in its vector loop and rounds twice in the last ``n % 8`` elements (one
    thread): ours is fused everywhere, so it is PyTorch's but for those, as documented."""
    x = np.random.default_rng(3).standard_normal(4_005)
    with torch_on_one_thread():
        theirs = torch.from_numpy(x).add(0.3, alpha=3).numpy()
    exact = exact_multiply_add(x, np.array(0.3), 3)
    ours = tg.tensor(x, dtype="float64").add(0.3, alpha=3).numpy()
    assert same_bits(ours, exact)
    assert same_bits(theirs[:4_000], exact[:4_000])
    assert same_bits(theirs[4_000:], x[4_000:] + 0.3 * 3)     # PyTorch's leftover elements: rounded twice


def test_multiply_add_on_blocks_is_the_same_as_on_one():
    """Arrays larger than a block are cut into blocks (faster in cache): the same bits as one call, broadcast too."""
    from tinygradconv.ops import fused_multiply_add

    rng = np.random.default_rng(9)
    x, y = rng.standard_normal((3, fused_multiply_add.MULTIPLY_ADD_BLOCK + 5)), rng.standard_normal(
        fused_multiply_add.MULTIPLY_ADD_BLOCK + 5)
    whole = fused_multiply_add.multiply_add(np, y, 0.1, x)
    rows = np.stack([fused_multiply_add._fused_multiply_add_float64_block(np, np.asarray(0.1), y, row) for row in x])
    assert same_bits(whole, rows)
    theirs = torch.from_numpy(x).add(torch.from_numpy(y), alpha=0.1).numpy()
    assert same_bits(whole, theirs)
