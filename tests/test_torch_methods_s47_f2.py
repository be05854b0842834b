"""Brief s47 f2: float64 ``add``/``sub`` with a power-of-two ``alpha`` (plain path, still PyTorch's bits), the
two-bool ``-`` message quoting PyTorch, torch's view methods (``expand_as``, ``view_as``, ``narrow``, ``movedim``,
``moveaxis``, ``swapaxes``, ``swapdims``, ``ravel``, ``unflatten``) and ``ops.concat`` of a 1-D empty tensor."""
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
    from tinygradconv.ops import elementwise

    def refuse(*args):
        raise AssertionError("multiply_add called for a power-of-two alpha")

    monkeypatch.setattr(elementwise, "multiply_add", refuse)
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
