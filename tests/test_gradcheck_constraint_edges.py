"""Edge cases of ``gradcheck``'s step ``eps`` (PyTorch's ``torch.autograd.gradcheck`` as the reference) and of the
norm constraints' ``axis`` (Keras 3 as the reference)."""
import re

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import constraints as C

SPACING_AT_1 = float(np.spacing(1.0))           # 2.220446049250313e-16, the float64 numbers just above 1.0
SMALLEST_NORMAL = float(np.finfo(np.float64).tiny)


def _torch_verdict(scale, x, eps):
    """PyTorch's gradcheck of the exact gradient of ``t * scale`` at ``x`` with step ``eps`` (float64)."""
    torch = pytest.importorskip("torch", reason="PyTorch's gradcheck is the reference for the finite-difference step")
    t = torch.tensor(x, dtype=torch.float64, requires_grad=True)
    return torch.autograd.gradcheck(lambda a: a * scale, (t,), eps=eps, raise_exception=False)


def _ours(scale, x, eps, calls):
    """Our gradcheck of ``t * scale`` at ``x``, weighted by ones (so that ``L`` is computed exactly)."""
    def fn(t):
        calls.append(t)
        return t * scale

    return tg.gradcheck(fn, tg.tensor(x, dtype="float64", requires_grad=True), eps=eps, weights=np.ones(len(x)))


@pytest.mark.parametrize("scale, x, eps, message", [
    # x - eps moves 1.0 down one spacing but x + eps rounds back to 1.0: a one-sided difference over 2 * eps
    (1.0, [1.0], SPACING_AT_1 / 2, (r"The step eps=1\.1102230246251565e-16 vanishes in float64 .* at input 0, "
                                    r"index \(0,\): x = 1\.0, and x \+ eps or x - eps rounds back to x")),
    (1.0, [1.0], 1e-17, r"eps=1e-17 vanishes"),
    (1.0, [0.5, -1.0], 1e-300, r"eps=1e-300 vanishes .* index \(0,\): x = 0\.5"),
    # the default step at a large value: float64 numbers are 3.81e-06 apart at 3e10
    (1.0, [0.5, 3e10], None, (r"eps=1e-06 \(the default\) vanishes .* index \(1,\): x = 30000000000\.0,.*"
                              r"3\.81e-06 apart .*eps=3e\+04 for these inputs")),
    # a subnormal step at 0 moves 0, but 0.3 * 1.5e-323 is rounded to a multiple of 5e-324
    (0.3, [0.0], 1.5e-323, (r"Expected a finite number >= 2\.2250738585072014e-308, the smallest normal "
                            r"float64: a smaller, subnormal step .*Received eps=1\.5e-323")),
], ids=["one-sided", "below-spacing", "tiny-normal", "default-at-3e10", "subnormal"])
def test_gradcheck_refuses_a_step_that_makes_the_check_meaningless(scale, x, eps, message):
    """A tester's eps=1e-320 passed the argument checks (finite, > 0) and then called a correct gradient wrong.
    Refused here before fn runs, each where PyTorch's gradcheck (which checks nothing) calls the exact gradient
    of ``t * scale`` wrong."""
    calls = []
    with pytest.raises(ValueError, match=r"^gradcheck: Invalid value for argument `eps`\. .*" + message):
        _ours(scale, x, eps, calls)
    assert calls == []
    assert _torch_verdict(scale, x, 1e-6 if eps is None else eps) is False


@pytest.mark.parametrize("scale, x, eps", [
    (1.0, [1.0], SPACING_AT_1),                 # the smallest step that moves 1.0 up and down
    (0.3, [0.0], SMALLEST_NORMAL),              # the smallest normal step
    (1.0, [0.5, -1.0, 3e4], 1e-9),
], ids=["one-spacing", "smallest-normal", "small-but-moving"])
def test_gradcheck_takes_the_smallest_steps_that_still_measure(scale, x, eps):
    """The other side of the rule: steps just large enough are taken, and pass, as in PyTorch."""
    assert _ours(scale, x, eps, []) is True
    assert _torch_verdict(scale, x, eps) is True


def test_gradcheck_refuses_any_subnormal_eps_whatever_the_inputs():
    x = tg.tensor([0.0, 0.25], dtype="float64", requires_grad=True)
    with pytest.raises(ValueError, match=re.escape("(it is a whole multiple of 5e-324)") + ".*Received eps=1e-320$"):
        tg.gradcheck(lambda t: t * t, x, eps=1e-320)


def test_gradcheck_step_rule_leaves_infinite_and_nan_inputs_alone():
    """``inf + eps == inf``: no step moves an infinity, which says nothing about eps; such an input is judged as
    before (its gradient does not match), not refused for its step."""
    x = tg.tensor([np.inf, np.nan, 1.0], dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda t: t * t, x, raise_exception=False) is False


# --------------------------------------------------------------------------------------------------- constraints
@pytest.mark.parametrize("cls", [C.MaxNorm, C.MinMaxNorm, C.UnitNorm])
@pytest.mark.parametrize("axis, detail", [
    ("0", "Received axis='0' of type str"),
    (0.0, "Received axis=0.0 of type float"),
    (True, "Received axis=True of type bool"),
    ([0, "1"], "Received axis=[0, '1'] of type list (the item '1' is of type str)"),
])
def test_norm_constraints_refuse_an_axis_that_is_not_an_integer_naming_it(cls, axis, detail):
    """The message began "Invalid value" for a TypeError and gave no type. Keras 3 takes any axis when the
    constraint is made and fails in its first call, with torch's own TypeError (checked here); refused when made
    here, naming the constraint, `axis`, the value, its type and what is expected."""
    keras = keras_on_torch("Keras 3 is the reference for the constraints' axis")
    made = getattr(keras.constraints, cls.__name__)(axis=axis)        # Keras takes it ...
    with pytest.raises(TypeError, match="sum"):                         # ... and fails when called
        made(np.ones((2, 3), "float32"))
    expected = (f"{cls.__name__}: Invalid type for argument `axis`. Expected an integer, a list or tuple of integers, "
                f"or None. {detail}")
    with pytest.raises(TypeError, match="^" + re.escape(expected) + "$"):
        cls(axis=axis)


@pytest.mark.parametrize("cls", [C.MaxNorm, C.MinMaxNorm, C.UnitNorm])
def test_norm_constraints_take_integer_axes_as_keras(cls):
    """The other side: integers, tuples of them and None are taken and project as Keras' constraints do (a NumPy
    integer too, which Keras 3 on torch fails on)."""
    keras = keras_on_torch("Keras 3 is the reference for the constraints")
    w = np.arange(-2.0, 4.0, dtype="float32").reshape(2, 3)
    for axis in (0, 1, -1, (0, 1), None):
        theirs = keras.ops.convert_to_numpy(getattr(keras.constraints, cls.__name__)(axis=axis)(w))
        np.testing.assert_allclose(cls(axis=axis)(tg.tensor(w)).numpy(), theirs, rtol=1e-6)
    np.testing.assert_array_equal(cls(axis=np.int64(1))(tg.tensor(w)).numpy(), cls(axis=1)(tg.tensor(w)).numpy())
