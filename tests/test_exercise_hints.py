"""The hints of the exercises' checkers and of gradcheck's report, each tried on a hand-written wrong answer whose
mistake is known (or on PyTorch's own optimizer), so that the hint is shown for that mistake."""
import re

import numpy as np
import pytest

import tinygradconv as tg


class SquareForgetsTwoA(tg.Function):
    """``a * a`` whose backward returns the incoming gradient unchanged (it should be ``2 * a * grad``)."""

    @staticmethod
    def forward(ctx, a):
        return a * a

    @staticmethod
    def backward(ctx, grad):
        return grad


def test_gradcheck_says_what_its_two_numbers_are_and_shows_the_unweighted_gradient():
    x = tg.tensor([1.0, 2.0], dtype="float64", requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda t: SquareForgetsTwoA.apply(t), x)
    message = str(info.value)
    assert "for L = sum(v * fn(*inputs)), v a random array of the output's shape (seed=0)" in message
    # with v = 1, by hand: the backward gives 1 everywhere, the derivative 2 x is [2, 4]
    found = re.search(r"with v = 1 .*input 0: analytic=\[(.*?)\], numeric=\[(.*?)\]", message)
    assert [float(s) for s in found.group(1).split(",")] == [1.0, 1.0]
    assert [float(s) for s in found.group(2).split(",")] == pytest.approx([2.0, 4.0], rel=1e-8)


def test_gradcheck_with_weights_names_them_and_notices_a_backward_that_ignores_its_gradient():
    class SquareIgnoresGrad(tg.Function):                # returns 2 a, not 2 a * grad: right for v = 1 only
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            (a,) = ctx.saved_tensors
            return 2 * a

    x = tg.tensor([1.0, -3.0], dtype="float64", requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda t: SquareIgnoresGrad.apply(t), x, weights=np.array([0.5, 2.0]))
    message = str(info.value)
    assert "v the `weights` given" in message
    assert "they agree: does the backward multiply by its incoming gradient?" in message
