"""Engine corners a PyTorch user still hits, each checked against PyTorch (2.13): activations at subnormal inputs,
NumPy given losses (``np.mean([loss1, loss2])``), ``w.data = ...`` between a forward pass and its backward pass,
the command line with a bad setting, and ``y.backward(x.grad)``."""

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


# -------------------------------------------------------------------------------- 2. NumPy given losses
def _two_losses(library, requires_grad):
    make = torch.tensor if library == "torch" else tg.tensor
    w = make([1.0, 2.0], requires_grad=requires_grad)
    return w, (w * w).sum(), (w * 3.0).sum()        # two 0-d results: 5 and 9


def test_np_mean_of_two_losses_is_refused_as_torch_refuses_it_naming_what_to_write():
    """``np.mean([l1, l2])`` took the numbers out of the graph (a NumPy float; its ``backward`` an
    ``AttributeError``); PyTorch raises "Can't call numpy() on Tensor that requires grad"."""
    _, t1, t2 = _two_losses("torch", True)
    with pytest.raises(RuntimeError, match="requires grad"):
        np.mean([t1, t2])
    _, l1, l2 = _two_losses("tg", True)
    for call in (lambda: np.mean([l1, l2]), lambda: np.array([l1, l2]), lambda: np.asarray(l1),
                 lambda: np.float32(l1)):
        with pytest.raises(TypeError, match=r"\(loss1 \+ loss2\) / 2, or tg\.ops\.stack\(\[loss1, loss2\]\)\.mean\(\)"):
            call()
    assert float(l1) == 5.0 and l1.item() == 5.0     # the number, as float(t) gives it in PyTorch


def test_np_mean_of_losses_without_grad_is_their_mean_as_in_torch():
    _, t1, t2 = _two_losses("torch", False)
    _, l1, l2 = _two_losses("tg", False)
    assert np.mean([l1, l2]) == np.mean([t1, t2]) == 7.0
    with tg.no_grad():                                # no graph recorded: nothing to lose
        _, l1, l2 = _two_losses("tg", True)
    assert np.mean([l1, l2]) == 7.0


def test_the_spellings_the_error_names_give_torchs_gradient():
    tw, t1, t2 = _two_losses("torch", True)
    torch.stack([t1, t2]).mean().backward()
    for combine in (lambda a, b: tg.ops.stack([a, b]).mean(), lambda a, b: (a + b) / 2):
        w, l1, l2 = _two_losses("tg", True)
        combine(l1, l2).backward()
        np.testing.assert_array_equal(w.grad.numpy(), tw.grad.numpy().astype(np.float32))


def test_np_asarray_still_reads_weights_and_non_scalar_results():
    """Only one-number results with a graph are refused: a weight (a leaf) and a layer's output still convert,
    as documented (PyTorch refuses both)."""
    w, _, _ = _two_losses("tg", True)
    y = w * 2.0
    np.testing.assert_array_equal(np.asarray(w), [1.0, 2.0])
    np.testing.assert_array_equal(np.asarray(y), [2.0, 4.0])
    scalar_weight = tg.tensor(3.0, requires_grad=True)
    assert float(np.asarray(scalar_weight)) == 3.0
