"""Autograd semantics: backward's arguments, accumulation, retain_graph, freed graphs, no_grad, retain_grad, long
chains, dtype and aliasing of gradients, custom Functions, and gradcheck's report.

Expected gradients are worked out by hand from the calculus in each test.
"""
import re
import sys
import warnings

import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg
from tinygradconv.autograd import Function


# ------------------------------------------------------------------------------------------- backward(grad=...)
def test_scalar_backward_uses_an_implicit_one(backend):
    x = tensor_on([1.0, -2.0, 3.0], backend, requires_grad=True)
    (x * x).sum().backward()  # d/dx sum(x^2) = 2x
    assert x.grad.tolist() == [2.0, -4.0, 6.0]
    assert isinstance(x.grad, tg.Tensor) and x.grad.backend.name == backend


def test_one_element_non_scalar_output_also_gets_an_implicit_one(backend):
    x = tensor_on([2.0], backend, requires_grad=True)
    (x * 3.0).backward()
    assert x.grad.tolist() == [3.0]


def test_non_scalar_backward_without_grad_is_a_clear_error(backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    with pytest.raises(RuntimeError, match=r"shape \(2,\).*gradient="):
        (x * 2.0).backward()


@pytest.mark.parametrize("kind", ["tensor", "numpy", "list"])
def test_backward_with_an_explicit_grad(kind, backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    y = x * x  # dy_i/dx_i = 2 x_i
    v = [10.0, -1.0]
    grad = {"tensor": tensor_on(v, backend, requires_grad=False), "numpy": np.asarray(v), "list": v}[kind]
    y.backward(grad)
    assert x.grad.tolist() == [20.0, -4.0]


def test_backward_grad_of_the_wrong_shape_names_both_shapes(backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    with pytest.raises(ValueError, match=r"\(3,\).*\(2,\)"):
        (x * 2.0).backward(np.ones(3))


def test_backward_on_a_tensor_without_graph_is_an_error():
    with pytest.raises(RuntimeError, match="does not require grad"):
        tensor_on([1.0], requires_grad=False).sum().backward()


def test_backward_grad_on_another_backend_is_an_error():
    x = tensor_on([1.0, 2.0], requires_grad=True)
    with pytest.raises(ValueError, match="array_api_strict.*numpy"):
        (x * 2.0).backward(tensor_on([1.0, 1.0], "array_api_strict", requires_grad=False))


# ------------------------------------------------------------------------------------------- accumulation
def test_gradients_accumulate_across_backward_calls_until_zero_grad(backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    (x * 3.0).sum().backward()
    (x * x).sum().backward()  # a second graph: 3 + 2x is added
    assert x.grad.tolist() == [5.0, 7.0]
    x.zero_grad()
    assert x.grad is None
    (x * 3.0).sum().backward()
    assert x.grad.tolist() == [3.0, 3.0]


def test_a_tensor_used_several_times_gets_the_sum_of_its_gradients(backend):
    x = tensor_on([3.0], backend, requires_grad=True)
    y = x * 2.0  # y = 2x
    z = y * y + y + x  # z = 4x^2 + 3x, dz/dx = 8x + 3
    z.sum().backward()
    assert x.grad.tolist() == [27.0]


def test_retain_graph_allows_a_second_backward(backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=True)
    y.backward()
    assert x.grad.tolist() == [4.0, 8.0]  # 2x, twice


def test_second_backward_through_a_freed_graph_raises(backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    y = (x * x).sum()
    y.backward()
    with pytest.raises(RuntimeError, match="second time.*retain_graph=True"):
        y.backward()


def test_using_part_of_a_freed_graph_raises():
    x = tensor_on([1.0, 2.0], requires_grad=True)
    h = x * x
    h.sum().backward()
    with pytest.raises(RuntimeError, match="freed"):
        (h * 2.0).sum().backward()


def test_backward_frees_saved_arrays():
    x = tensor_on([1.0, 2.0], requires_grad=True)
    y = x * x
    ctx = y._ctx
    assert len(ctx.saved_tensors) == 2
    y.sum().backward()
    assert ctx.saved_tensors == () and ctx.inputs == ()


# ------------------------------------------------------------------------------------------- modes and flags
def test_no_grad_records_nothing_and_restores_the_mode(backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    with tg.no_grad():
        y = x * 2.0
        assert not tg.is_grad_enabled()
        with tg.enable_grad():
            z = x * 2.0
    assert tg.is_grad_enabled()
    assert not y.requires_grad and y.is_leaf
    assert z.requires_grad and not z.is_leaf


def test_no_grad_as_a_decorator_and_after_an_exception():
    @tg.no_grad()
    def f(t):
        return t * 2.0

    assert not f(tensor_on([1.0], requires_grad=True)).requires_grad
    with pytest.raises(ZeroDivisionError), tg.no_grad():
        1 / 0  # noqa: B018
    assert tg.is_grad_enabled()


def test_no_grad_as_a_decorator_without_parentheses_as_torch():
    """``@torch.no_grad`` (no call) works in PyTorch 2; ours said "no_grad() takes 0 positional arguments" (found by
    a tester)."""
    @tg.no_grad
    def f(t):
        assert not tg.is_grad_enabled()
        return t * 2.0

    assert not f(tensor_on([1.0], requires_grad=True)).requires_grad and f.__name__ == "f"
    assert tg.is_grad_enabled()


def test_no_grad_decorator_on_a_recursive_function():
    @tg.no_grad()
    def depth(n):
        assert not tg.is_grad_enabled()
        return 0 if n == 0 else 1 + depth(n - 1)

    assert depth(3) == 3
    assert tg.is_grad_enabled()


def test_requires_grad_propagates_only_from_inputs_that_need_it(backend):
    a, b = tensor_on([1.0], backend, requires_grad=True), tensor_on([2.0], backend, requires_grad=False)
    assert (a + b).requires_grad and not (b + b).requires_grad
    assert (b + b)._ctx is None


def test_detach_stops_the_gradient(backend):
    x = tensor_on([2.0], backend, requires_grad=True)
    (x * x.detach()).sum().backward()  # only the first factor is differentiated
    assert x.grad.tolist() == [2.0]


def test_retain_grad_keeps_non_leaf_gradients(backend):
    x = tensor_on([1.0, 2.0], backend, requires_grad=True)
    h = x * 3.0
    h.retain_grad()
    other = x * 4.0
    (h * h).sum().backward()
    assert h.grad.tolist() == [6.0, 12.0]  # 2h
    assert x.grad.tolist() == [18.0, 36.0]
    with pytest.warns(UserWarning, match=r"not a leaf .* Call \.retain_grad\(\)"):   # as PyTorch warns
        assert other.grad is None and not other.is_leaf
    with pytest.raises(RuntimeError, match="does not require grad"):
        tensor_on([1.0], requires_grad=False).retain_grad()


def test_only_floating_tensors_can_require_gradients():
    with pytest.raises(TypeError, match="floating"):
        tg.tensor([1, 2], dtype="int64", requires_grad=True)
    with pytest.raises(TypeError, match="floating"):
        tg.tensor([True], dtype="bool").requires_grad_()


# ------------------------------------------------------------------------------------------- graph shapes
def test_a_chain_of_ten_thousand_ops(backend):
    x = tensor_on([1.0], backend, requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y + x
    limit = sys.getrecursionlimit()
    y.sum().backward()
    assert sys.getrecursionlimit() == limit
    assert x.grad.tolist() == [10_001.0]


def test_a_deep_chain_of_distinct_nodes():
    x = tensor_on([0.5], requires_grad=True)
    y = x
    for _ in range(10_000):
        y = y * 1.0 + 0.0  # two recorded ops per step, each with a constant
    y.sum().backward()
    assert x.grad.tolist() == [1.0]


class _NoGradient(Function):
    """Identity whose backward gives no gradient (None) to its input."""

    @staticmethod
    def forward(ctx, a):
        return a * 1.0

    @staticmethod
    def backward(ctx, grad):
        return None


def test_a_node_that_receives_no_gradient_does_not_block_its_inputs(backend):
    x = tensor_on([2.0], backend, requires_grad=True)
    m = x * 3.0
    k = _NoGradient.apply(m)  # nothing flows back into m ...
    (k + x).sum().backward()  # ... but x still gets the gradient of its direct use
    assert x.grad.tolist() == [1.0]


def test_gradient_dtype_follows_the_input_when_an_op_promotes():
    x = tensor_on([1.0, 2.0], dtype="float32", requires_grad=True)
    w = tensor_on([3.0, 4.0], dtype="float64", requires_grad=True)
    y = x * w
    assert str(y.numpy().dtype) == "float64"
    y.sum().backward()
    assert str(x.grad.numpy().dtype) == "float32" and str(w.grad.numpy().dtype) == "float64"
    assert x.grad.tolist() == [3.0, 4.0] and w.grad.tolist() == [1.0, 2.0]


def test_leaf_gradients_are_fresh_writable_arrays():
    a, b = tensor_on([1.0, 2.0], requires_grad=True), tensor_on([3.0, 4.0], requires_grad=True)
    user_grad = np.array([1.0, 1.0])
    (a + b).backward(user_grad)
    a.grad.data[0] = 100.0  # an in-place update (as an optimizer may do) touches nothing else
    assert b.grad.tolist() == [1.0, 1.0] and user_grad.tolist() == [1.0, 1.0]
    s = tensor_on([[1.0, 2.0]], requires_grad=True)
    s.sum().backward()  # the gradient of sum is a broadcast, read-only view inside the engine
    s.grad.data[0, 0] = 5.0
    assert s.grad.tolist() == [[5.0, 1.0]]


# ------------------------------------------------------------------------------------------- custom Functions
class _Cube(Function):
    @staticmethod
    def forward(ctx, a, scale=1.0):
        ctx.save_for_backward(a)
        ctx.scale = scale
        return scale * a * a * a

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * 3.0 * ctx.scale * a * a


def test_custom_function_with_attributes(backend):
    x = tensor_on([1.0, -2.0], backend, requires_grad=True)
    y = _Cube.apply(x, scale=2.0)
    assert y.tolist() == [2.0, -16.0]
    y.sum().backward()
    assert x.grad.tolist() == [6.0, 24.0]  # 6 x^2
    assert tg.gradcheck(lambda t: _Cube.apply(t, scale=0.5), tensor_on([0.3, -1.2], backend, requires_grad=True))


def test_needs_input_grad_and_optional_inputs():
    seen = {}

    class Affine(Function):
        @staticmethod
        def forward(ctx, x, w, b):
            seen["needs"] = ctx.needs_input_grad
            ctx.save_for_backward(x, w)
            return x * w if b is None else x * w + b

        @staticmethod
        def backward(ctx, grad):
            x, w = ctx.saved_tensors
            return grad * w, grad * x, None

    x, w = tensor_on([2.0], requires_grad=True), tensor_on([5.0], requires_grad=False)
    Affine.apply(x, w, None).sum().backward()
    assert seen["needs"] == (True, False, False)
    assert x.grad.tolist() == [5.0]
    with tg.no_grad():
        Affine.apply(x, w, None)
    assert seen["needs"] == (False, False, False)


def test_a_backward_returning_a_wrong_shape_is_named():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, grad):
            return grad[:1]

    with pytest.raises(RuntimeError, match=r"Bad.backward.*\(1,\).*input 0 of shape \(2,\)"):
        Bad.apply(tensor_on([1.0, 2.0], requires_grad=True)).sum().backward()


def test_a_backward_returning_too_many_gradients_is_named():
    class Bad(Function):
        @staticmethod
        def forward(ctx, a):
            return a

        @staticmethod
        def backward(ctx, grad):
            return grad, grad

    with pytest.raises(RuntimeError, match="Bad.backward returned 2 gradients for 1 input$"):
        Bad.apply(tensor_on([1.0], requires_grad=True)).sum().backward()


def test_a_backward_returning_too_few_gradients_is_named_in_plain_english():
    """It said "returned 1 gradients for 2 inputs" (found by a student tester)."""
    class Bad(Function):
        @staticmethod
        def forward(ctx, a, b):
            return a * b

        @staticmethod
        def backward(ctx, grad):
            return grad

    with pytest.raises(RuntimeError, match="Bad.backward returned 1 gradient for 2 inputs$"):
        Bad.apply(tensor_on([1.0], requires_grad=True), tensor_on([2.0], requires_grad=True)).sum().backward()


def test_apply_rejects_non_tensors_and_mixed_backends():
    with pytest.raises(TypeError, match="Tensor inputs"):
        _Cube.apply(np.ones(2))
    with pytest.raises(ValueError, match="'numpy' and 'array_api_strict'"):
        tensor_on([1.0], requires_grad=True) + tensor_on([1.0], "array_api_strict", requires_grad=True)


# ------------------------------------------------------------------------------------------- gradcheck
def test_gradcheck_accepts_correct_gradients(backend):
    a = tensor_on([[0.5, -1.0], [2.0, 0.3]], backend, requires_grad=True)
    b = tensor_on([1.5, -0.5], backend, requires_grad=True)
    assert tg.gradcheck(lambda p, q: ((p * q).tanh() @ q).sigmoid(), a, b)


def test_gradcheck_reports_the_worst_mismatch_with_index_and_values():
    HalfWrong = _HalfGradSquare     # backward gives g * a instead of 2 g a: the error grows with |a|
    x = tensor_on([[0.1, -4.0], [1.0, 0.0]], requires_grad=True)
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda t: HalfWrong.apply(t).sum(), x)  # L = v * sum(x^2), v a scalar
    message = str(info.value)
    assert "input 0, index (0, 1)" in message
    assert "analytic=" in message and "numeric=" in message
    assert tg.gradcheck(lambda t: HalfWrong.apply(t), x, raise_exception=False) is False
    y = tg.tensor([0.0, -3.0, 0.0], dtype="float64", requires_grad=True)  # a vector output; only index 1 is wrong
    with pytest.raises(tg.GradcheckError, match=r"input 0, index \(1,\).*analytic=.*numeric="):
        tg.gradcheck(lambda t: HalfWrong.apply(t), y)
    assert tg.gradcheck(lambda t: HalfWrong.apply(t), y, raise_exception=False) is False
    with pytest.raises(ValueError, match="no input has requires_grad"):
        tg.gradcheck(lambda t: t * 2.0, tensor_on([1.0], requires_grad=False))


def test_gradcheck_on_float32_inputs_works_on_float64_copies():
    # float32 central differences of x^2 carry rounding errors of ~1e-7 / 1e-6 = 0.1: correct code must still pass.
    x = tg.tensor([0.3, 1.7, -2.2], requires_grad=True)
    assert x.dtype == np.float32
    seen = []
    assert tg.gradcheck(lambda a: seen.append(str(a.dtype)) or a * a, x)
    assert set(seen) == {"float64"}  # fn ran on float64 copies
    assert x.grad is None and x.dtype == np.float32  # the caller's tensor is untouched


def test_gradcheck_in_the_input_dtype_uses_tolerances_for_that_dtype():
    seen = []

    def square(a):
        seen.append(str(a.dtype))
        return a * a

    for dtype in ("float32", "float16"):
        seen.clear()
        x = tg.tensor([0.3, 1.7, -2.2], dtype=dtype, requires_grad=True)
        assert tg.gradcheck(square, x, dtype="input")
        assert seen[0] == dtype and set(seen[1:]) == {"float64"}  # analytic in dtype, differences in float64

    class Wrong(Function):  # d/dx x^2 reported as 1.5x: a 25% error must still be caught in float32
        @staticmethod
        def forward(ctx, a):
            ctx.save_for_backward(a)
            return a * a

        @staticmethod
        def backward(ctx, grad):
            return grad * 1.5 * ctx.saved_tensors[0]

    x = tg.tensor([0.3, 1.7, -2.2], requires_grad=True)
    with pytest.raises(tg.GradcheckError, match=r"analytic=.*own dtype \(float32\), finite differences in float64"):
        tg.gradcheck(Wrong.apply, x, dtype="input")
    with pytest.raises(tg.GradcheckError, match="float64 copies of the inputs"):
        tg.gradcheck(Wrong.apply, x)
    with pytest.raises(ValueError, match="dtype='float32'"):
        tg.gradcheck(Wrong.apply, x, dtype="float32")


def test_gradcheck_with_given_weights_reports_the_gradient_of_that_weighted_sum():
    """``weights`` replaces the random ``v`` of ``L = sum(v * fn(x))``: the exercises' checkers show the same
    incoming gradient in their table and in the gradcheck text. By hand, for ``a * a`` whose backward gives
    ``g * a``: analytic ``w * x``, numeric ``2 * w * x``."""
    x = tg.tensor([1.0, -3.0, 0.5], dtype="float64", requires_grad=True)
    w = np.array([0.5, 2.0, -1.0])
    with pytest.raises(tg.GradcheckError) as info:
        tg.gradcheck(lambda t: _HalfGradSquare.apply(t), x, weights=w)
    found = re.search(r"index \((\d+),\): analytic=(\S+), numeric=(\S+),", str(info.value))
    assert found.group(1) == "1"                                 # |w x| is largest there: -6 against -12
    assert float(found.group(2)) == pytest.approx(-6.0, rel=1e-12)
    assert float(found.group(3)) == pytest.approx(-12.0, rel=1e-8)
    assert tg.gradcheck(lambda t: t * t, x, weights=w)
    with pytest.raises(ValueError, match=r"`weights` must have the output's shape \(3,\)\. Received weights of "
                                         r"shape \(2,\)"):
        tg.gradcheck(lambda t: t * t, x, weights=[1.0, 2.0])



@pytest.mark.parametrize("kwargs, error, message", [
    ({"eps": 0}, ValueError, r"`eps`\. Expected a finite number > 0\. Received eps=0"),
    ({"eps": float("inf")}, ValueError, r"Received eps=inf"),
    ({"eps": "1e-6"}, TypeError, r"`eps`.*Received eps='1e-6'"),
    ({"eps": True}, TypeError, r"`eps`.*Received eps=True"),
    ({"atol": "a"}, TypeError, r"`atol`.*Received atol='a'"),
    ({"atol": -1.0}, ValueError, r"`atol`\. Expected a finite number >= 0\. Received atol=-1\.0"),
    ({"rtol": [1e-3]}, TypeError, r"`rtol`.*Received rtol=\[0\.001\]"),
    ({"rtol": float("nan")}, ValueError, r"`rtol`.*Received rtol=nan"),
    ({"seed": -1}, ValueError, r"`seed`.*Received seed=-1"),
    ({"seed": 1.5}, TypeError, r"`seed`.*Received seed=1\.5"),
    ({"raise_exception": 1}, TypeError, r"`raise_exception`.*Received raise_exception=1"),
])
def test_gradcheck_refuses_bad_steps_tolerances_and_settings_naming_them(kwargs, error, message):
    """A tester's inputs: eps=0 gave ZeroDivisionError, a string eps or atol Python's own operand errors, and
    atol=-1, rtol=nan or eps=inf called the correct gradient of ``a * a`` wrong (a GradcheckError); all are refused
    before fn runs. The same call with valid settings passes."""
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    calls = []

    def fn(t):
        calls.append(t)
        return t * t

    with pytest.raises(error, match=r"^gradcheck: .*" + message):
        tg.gradcheck(fn, x, **kwargs)
    assert calls == []


def test_gradcheck_refuses_a_non_callable_and_takes_valid_settings():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"`fn` must be a function.*Received fn=5 of type int"):
        tg.gradcheck(5, x)
    assert tg.gradcheck(lambda t: t * t, x, eps=1e-4, atol=0, rtol=1e-2, seed=None, raise_exception=np.bool_(True))


def test_gradcheck_refuses_complex_non_numeric_and_non_finite_weights_naming_them():
    """Complex weights lost their imaginary part with only NumPy's ComplexWarning (and the check passed), a string
    gave NumPy's own "could not convert string to float" without naming `weights`, and a NaN or infinite weight
    ended in a GradcheckError with analytic=nan, numeric=nan instead of a refusal up front."""
    x = tg.tensor([0.5, 1.5], dtype="float64", requires_grad=True)
    calls = []

    def fn(t):
        calls.append(t)
        return t ** 2.5

    with warnings.catch_warnings():
        warnings.simplefilter("error")                         # no ComplexWarning leaks
        for weights in (np.array([1 + 1j, 2]), [1.0, 2j], np.array([1.0, 2.0], dtype=np.complex64),
                        np.array([1j, None], dtype=object)):
            with pytest.raises(TypeError, match=r"`weights` must be real numbers.*complex weights are refused.*"
                                                r"Received weights=.*of dtype (complex|object)"):
                tg.gradcheck(fn, x, weights=weights)
        with pytest.raises(TypeError, match=r"`weights` must be an array of real numbers\. Received weights='a'"):
            tg.gradcheck(fn, x, weights="a")
        for weights, shown in (([1.0, "b"], "'b'"), ([None, 1.0], "None")):
            with pytest.raises(TypeError, match=rf"`weights` must be an array of real numbers\. Received "
                                                rf"weights=\[.*{shown}"):
                tg.gradcheck(fn, x, weights=weights)
        for weights in ([np.nan, 1.0], [1.0, np.inf], [-np.inf, 1.0]):
            with pytest.raises(ValueError, match=r"`weights` must be finite \(no NaN or infinity\).*Received "
                                                 r"weights=\[.*(nan|inf)"):
                tg.gradcheck(fn, x, weights=weights)
    assert calls == []                                         # refused before fn runs
    assert tg.gradcheck(fn, x, weights=[1, 2])                 # integers are real numbers
    assert tg.gradcheck(fn, x, weights=tg.tensor([0.5, -2.0], dtype="float64"))

def test_gradcheck_reports_a_nan_gradient_as_the_worst_mismatch():
    class NanGrad(Function):
        @staticmethod
        def forward(ctx, a):
            return a * 2.0

        @staticmethod
        def backward(ctx, grad):
            out = grad * 2.0
            out[1] = np.nan
            return out

    x = tensor_on([1.0, 2.0, 3.0], requires_grad=True)
    with pytest.raises(tg.GradcheckError, match=r"index \(1,\): analytic=nan"):
        tg.gradcheck(NanGrad.apply, x)


def test_engine_overhead_benchmark_returns_its_figures():
    """A smoke test of benchmarks/engine_overhead.py (tiny settings; the timings themselves are not checked)."""
    import importlib.util
    from pathlib import Path

    path = Path(__file__).resolve().parents[1] / "benchmarks" / "engine_overhead.py"
    spec = importlib.util.spec_from_file_location("engine_overhead", path)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    result = module.measure(n_ops=5, runs=2, rounds=1, chains_per_run=2, warmup=1, torch=False)
    assert result["ours_us_per_op"] > 0 and len(result["ours_batches_us_per_op"]) == 2
    assert result["torch_us_per_op"] is None and result["ratio"] is None and result["threads"] == 1
    assert result["paired"] and result["torch_first"] == []


def test_grad_mode_is_per_thread():
    import threading

    seen = []
    with tg.no_grad():
        worker = threading.Thread(
            target=lambda: seen.append((tensor_on([1.0], requires_grad=True) * 2.0).requires_grad))
        worker.start()
        worker.join()
        assert not (tensor_on([1.0], requires_grad=True) * 2.0).requires_grad
    assert seen == [True]


class _HalfGradSquare(Function):
    """``a * a`` whose backward returns ``g * a``: half the true gradient ``2 g a``."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        return grad * ctx.saved_tensors[0]


@pytest.mark.parametrize("values", [[0.5, 1.5], [0.1, 0.2, 0.3], [-2.0, 3.0, 0.7, 100.0]])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradcheck_in_float16_catches_a_factor_of_two(values, seed):
    for dtype in ("float16", "float32"):
        x = tg.tensor(values, dtype=dtype, requires_grad=True)
        with pytest.raises(tg.GradcheckError, match=f"own dtype \\({dtype}\\)"):
            tg.gradcheck(_HalfGradSquare.apply, x, dtype="input", seed=seed)
        assert tg.gradcheck(lambda a: a * a, x, dtype="input", seed=seed)  # the correct op passes


@pytest.mark.parametrize("name, fn, shapes", [
    ("mul", lambda a, b: a * b, [(3, 4), (3, 4)]),
    ("tanh", lambda a: a.tanh(), [(3, 4)]),
    ("exp", lambda a: a.exp(), [(3, 4)]),
    ("sum", lambda a: a.sum(axis=1), [(3, 4)]),
    ("matmul", lambda a, b: a @ b, [(3, 4), (4, 2)]),
    ("softmax-ish", lambda a: (a - a.max(axis=1, keepdims=True)).exp().sum(), [(2, 5)]),
])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_gradcheck_in_float16_passes_correct_ops_and_catches_halved_ones(name, fn, shapes, seed):
    rng = np.random.default_rng(seed)
    inputs = [tg.tensor(rng.uniform(-1.5, 1.5, s), dtype="float16", requires_grad=True) for s in shapes]
    assert tg.gradcheck(fn, *inputs, dtype="input", seed=seed)

    def halved(*ts):  # the same function with every gradient halved: y = f(x) with dy/dx = f'(x) / 2
        return fn(*[t * 0.5 + (t * 0.5).detach() for t in ts])

    with pytest.raises(tg.GradcheckError):
        tg.gradcheck(halved, *inputs, dtype="input", seed=seed)


# ---------------------------------------------------------------------------------------------------------------
# Function.new_gradients: a leaf keeps an op's new gradient array without a copy, and never an array held elsewhere
# ---------------------------------------------------------------------------------------------------------------
def _recording_op(new_gradients):
    """An op ``y = 2 x`` whose backward returns a new array (2 g) and remembers it."""
    returned = []

    class Double(Function):
        @staticmethod
        def forward(ctx, x):
            return x * 2

        @staticmethod
        def backward(ctx, grad):
            out = grad * 2
            returned.append(out)
            return out

    Double.new_gradients = new_gradients
    Double.returned = returned
    return Double


def test_a_leaf_keeps_a_new_gradient_from_an_op_that_declares_it_without_a_copy():
    op = _recording_op(True)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    op.apply(x).backward(np.array([1.0, 3.0]))
    assert x.grad.data is op.returned[-1]
    assert x.grad.numpy().tolist() == [2.0, 6.0]


def test_an_op_that_does_not_declare_new_gradients_has_its_gradient_copied():
    op = _recording_op(False)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    op.apply(x).backward(np.array([1.0, 3.0]))
    assert x.grad.data is not op.returned[-1]
    op.returned[-1][...] = 99.0                                  # the op's array changes, .grad does not
    assert x.grad.numpy().tolist() == [2.0, 6.0]


def test_a_user_gradient_passed_straight_to_a_leaf_is_never_kept():
    user_grad = np.array([1.0, 3.0])
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x + 0.0).backward(user_grad)                                # add's backward passes the gradient through
    x.grad.data[...] = 0.0
    assert user_grad.tolist() == [1.0, 3.0]


def test_a_new_gradient_arriving_twice_is_summed_and_later_calls_still_accumulate():
    op = _recording_op(True)
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (op.apply(x) + op.apply(x)).backward(np.array([1.0, 1.0]))
    assert x.grad.numpy().tolist() == [4.0, 4.0]
    first = x.grad
    op.apply(x).backward(np.array([1.0, 1.0]))
    assert x.grad.numpy().tolist() == [6.0, 6.0]
    assert first is x.grad                  # added into in place, as torch.autograd (test_torch_parity_s42.py)


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_conv_gradients_kept_by_leaves_are_distinct_writable_arrays(data_format):
    from tinygradconv.ops.conv import conv1d

    rng = np.random.default_rng(0)
    first = data_format == "channels_first"
    x = tg.Tensor(rng.standard_normal((2, 3, 9) if first else (2, 9, 3)), requires_grad=True)
    w = tg.Tensor(rng.standard_normal((3, 3, 4)), requires_grad=True)
    b = tg.Tensor(rng.standard_normal(4), requires_grad=True)
    g = rng.standard_normal((2, 4, 7) if first else (2, 7, 4))
    conv1d(x, w, b, data_format=data_format).backward(g)
    assert x.grad.shape == x.shape
    arrays = [x.grad.data, w.grad.data, b.grad.data]
    for a in arrays:
        assert a.flags.writeable and not np.shares_memory(a, g)
        assert not any(np.shares_memory(a, t.data) for t in (x, w, b))
    assert not any(np.shares_memory(p, q) for i, p in enumerate(arrays) for q in arrays[i + 1:])
    # db is the sum of g over batch and steps (hand-checked formula, independent of the kernels)
    np.testing.assert_allclose(b.grad.numpy(), g.sum(axis=(0, 2) if first else (0, 1)))


@pytest.mark.parametrize("value", ["yes", 1, 0, None, 1.0])
def test_requires_grad_must_be_a_bool_as_in_torch(value):
    """torch.tensor(..., requires_grad=v) and .requires_grad_(v) raise TypeError for each of these (found by a
    tester: "yes" was taken as True)."""
    with pytest.raises(TypeError, match=r"Invalid type for argument `requires_grad`\. Expected True or False"):
        tg.tensor([1.0], requires_grad=value)
    with pytest.raises(TypeError, match=r"Invalid type for argument `requires_grad`\. Expected True or False"):
        tg.tensor([1.0]).requires_grad_(value)
    t = tg.tensor([1.0])
    with pytest.raises(TypeError, match=r"Invalid type for argument `requires_grad`\. Expected True or False"):
        t.requires_grad = value       # torch: "requires_grad must be a bool" (it was stored as given)
    assert t.requires_grad is False
    assert tg.tensor([1.0], requires_grad=np.True_).requires_grad


def test_setting_requires_grad_checks_the_dtype_as_requires_grad_():
    """``t.requires_grad = True`` on an integer tensor is refused, as torch refuses it ("only Tensors of floating
    point and complex dtype can require gradients"); on a float tensor it makes a leaf that gets a gradient."""
    ints = tg.tensor(np.array([1, 2]), dtype="int64")
    with pytest.raises(TypeError, match="Only floating-point tensors can require gradients"):
        ints.requires_grad = True
    w = tg.tensor([2.0, 3.0])
    w.requires_grad = True
    (w * w).sum().backward()
    np.testing.assert_array_equal(w.grad.numpy(), [4.0, 6.0])      # d(w^2)/dw = 2w, by hand


def test_the_errstate_switch_for_numpy_1_silences_and_restores():
    """The fallback of Function.apply's warning switch where NumPy has no context variable for it (NumPy 1.26):
    the same interface over np.errstate."""
    import warnings

    from tinygradconv.autograd import _ErrstateSwitch

    inf = np.array([np.inf])
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        token = _ErrstateSwitch.set(None)
        assert np.isnan(inf - inf).all()
        _ErrstateSwitch.reset(token)
        with pytest.raises(RuntimeWarning, match="invalid value"):
            inf - inf


# ------------------------------------------------------------------------------------------------ in-place updates
def test_a_manual_sgd_step_updates_the_parameters_in_place_as_torch(backend):
    """Found by a tester porting a PyTorch loop: ``for p in params: p -= lr * p.grad`` under ``no_grad()`` rebound
    the loop variable only, so the parameters never changed (and their gradients piled up). Three steps of
    ``(w * w).sum()`` as torch computes them."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference of the in-place update")
    w = tensor_on(np.array([1.0, 2.0]), backend, requires_grad=True)
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    for _ in range(3):
        (w * w).sum().backward()
        (t * t).sum().backward()
        with tg.no_grad():
            for p in [w]:
                p -= 0.1 * p.grad
                p.grad = None
        with torch.no_grad():
            for p in [t]:
                p -= 0.1 * p.grad
                p.grad = None
    np.testing.assert_allclose(w.numpy(), t.detach().numpy(), rtol=1e-15)
    assert w.requires_grad and w.grad is None
    with tg.no_grad():
        w *= 2.0
        w /= 4.0
        w += 1.0
    np.testing.assert_allclose(w.numpy(), t.detach().numpy() / 2 + 1, rtol=1e-15)


def test_in_place_updates_that_torch_refuses_are_refused(backend):
    """A leaf that requires grad, while gradients are recorded (PyTorch's "a leaf Variable that requires grad is
    being used in an in-place operation"), and a broadcast that would change the shape."""
    w = tensor_on(np.array([1.0, 2.0]), backend, requires_grad=True)
    # (`-=` is `w.sub_(...)`, as in PyTorch: the refusals, and their wording, are the in-place methods')
    with pytest.raises(RuntimeError, match=r"cannot be written in place \(t\.sub_.* while gradients are recorded"):
        w -= 1.0
    with tg.no_grad(), pytest.raises(ValueError, match=r"the result has shape \(2, 2\), which cannot be written"):
        w += tensor_on(np.ones((2, 2)), backend)
    np.testing.assert_array_equal(w.numpy(), [1.0, 2.0])


def test_in_place_on_other_tensors_writes_in_place_with_torchs_values_and_gradients(backend):
    """``y += x`` on a computed tensor: written into y and recorded in the graph, as PyTorch's in-place operator
    (another name of y sees the new value); the value and the gradient PyTorch gives."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    x = tensor_on(np.array([1.0, 2.0]), backend, requires_grad=True)
    t = torch.tensor([1.0, 2.0], dtype=torch.float64, requires_grad=True)
    y, u = x * 3.0, t * 3.0
    alias, u_alias = y, u
    y += x
    u += t
    y *= x
    u *= t
    assert y is alias and u is u_alias
    y.sum().backward()
    u.sum().backward()
    np.testing.assert_allclose(alias.numpy(), u_alias.detach().numpy())
    np.testing.assert_allclose(x.grad.numpy(), t.grad.numpy())


def test_in_place_under_no_grad_writes_a_computed_tensor_and_plain_data_as_torch(backend):
    """``y -= 1`` under no_grad() on a computed tensor and on plain data: written in place (the rebinding this
    package did before is gone: PyTorch writes in place), so another name sees the new value, and a backward
    through a graph that saved y refuses, as PyTorch's "modified by an inplace operation"."""
    torch = pytest.importorskip("torch", reason="PyTorch is the reference")
    x = tensor_on(np.array([1.0, 2.0]), backend, requires_grad=True)
    t = torch.tensor([1.0, 2.0], requires_grad=True)
    y, u = x * 3.0, t * 3.0
    z, w = y * y, u * u                            # save y for their backward
    alias, data = y, tensor_on(np.array([5.0]), backend)
    kept, tdata = data, torch.tensor([5.0])
    with tg.no_grad():
        y -= 1.0
        data += 1.0
    with torch.no_grad():
        u -= 1.0
        tdata += 1.0
    assert y is alias and alias.numpy().tolist() == u.tolist() == [2.0, 5.0]
    assert kept.numpy().tolist() == tdata.tolist() == [6.0]
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        w.sum().backward()
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        z.sum().backward()


IN_PLACE_BEFORE_BACKWARD = {
    # name: (forward of x and w, does it save x?); torch refuses a backward exactly where the graph saved x
    "x * x": (lambda x, w: (x * x).sum(), True),
    "x @ w": (lambda x, w: (x @ w).sum(), True),
    "x[1:] * w[0]": (lambda x, w: (x[1:] * w[0]).sum(), True),      # a view of x saved (getitem, then mul)
    "x + 1": (lambda x, w: (x + 1.0).sum(), False),
    "x.exp() * 2": (lambda x, w: (x.exp() * 2.0).sum(), False),     # exp saves its output, not x
    # a constant beside x: the backward reads only x's shape (found by a tester: these raised, torch goes on)
    "x * 3": (lambda x, w: (x * 3.0).sum(), False),
    "x / 2": (lambda x, w: (x / 2.0).sum(), False),
    "x @ c": (lambda x, w: (x @ w.detach()).sum(), False),
    "c @ x": (lambda x, w: (w.detach().reshape(1, 2) @ x).sum(), False),
    "x * x.detach()": (lambda x, w: (x * x.detach()).sum(), True),   # d/dx reads the detached x: x's memory
}


@pytest.mark.parametrize("name", sorted(IN_PLACE_BEFORE_BACKWARD))
def test_a_parameter_changed_in_place_before_backward_is_refused_where_torch_refuses(name, backend):
    """``y = f(x); x -= 1 (no_grad); y.backward()`` used the new values of x silently where the graph had saved it
    ([0, 2] for the [2, 4] of d(x^2)/dx at the recorded x; found by a tester). PyTorch's version counter refuses
    that backward; where the graph did not save x (``x + 1``), both give the gradient."""
    torch = pytest.importorskip("torch", reason="the reference is PyTorch's version counter")
    forward, saves = IN_PLACE_BEFORE_BACKWARD[name]
    data, weights = np.array([1.0, 2.0]), np.array([[0.5], [-1.0]])
    x, w = (tensor_on(a, backend, requires_grad=True) for a in (data, weights))
    tx, tw = (torch.tensor(a, requires_grad=True) for a in (data, weights))
    y, ty = forward(x, w), forward(tx, tw)
    with tg.no_grad():
        x -= 1.0
    with torch.no_grad():
        tx -= 1.0
    if saves:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            ty.backward()
        with pytest.raises(RuntimeError, match=r"modified by an inplace operation: an array of shape \(\d?,?\) "
                                               r"and dtype float64 that \w+ saved in its forward pass"):
            y.backward()
    else:
        ty.backward()
        y.backward()
        np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-15)


@pytest.mark.parametrize("updated, refused", [(0, False), (1, True)])
def test_updating_a_dense_kernel_before_backward_is_refused_where_torch_refuses(updated, refused):
    """Two Dense layers fed with data (found by a tester): the first kernel multiplies a constant, so the backward
    reads only its shape and goes on after it is updated, as torch.nn.Linear does; the second kernel multiplies the
    first layer's output, whose gradient reads it: refused, as in torch."""
    torch = pytest.importorskip("torch", reason="the reference is PyTorch's version counter")
    from tinygradconv import layers, models

    x = np.arange(6.0, dtype="float32").reshape(2, 3) / 6
    model = models.Sequential([layers.Dense(5, activation="tanh"), layers.Dense(1)])
    loss = (model(x) ** 2).sum()
    net = torch.nn.Sequential(torch.nn.Linear(3, 5), torch.nn.Tanh(), torch.nn.Linear(5, 1))
    torch_loss = (net(torch.tensor(x)) ** 2).sum()
    kernel = [layer for layer in model.layers][updated].kernel
    with tg.no_grad():
        kernel -= 0.1
    with torch.no_grad():
        net[2 * updated].weight -= 0.1
    if refused:
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            torch_loss.backward()
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            loss.backward()
    else:
        torch_loss.backward()
        loss.backward()
        assert kernel.grad is not None


def test_the_usual_loop_updates_after_backward_and_runs_again(backend):
    """Forward, backward, update in place, forward again: each graph saved the version it sees, so nothing is
    refused; a retained graph is refused after an update, as in PyTorch."""
    start = np.array([1.0, 2.0])
    x = tensor_on(start, backend, requires_grad=True)
    for step in range(3):
        x.grad = None
        (x * x).sum().backward()
        np.testing.assert_allclose(x.grad.numpy(), 2 * (start - 0.25 * step))     # d(x^2)/dx at this step's x
        with tg.no_grad():
            x -= 0.25
    y = (x * x).sum()
    y.backward(retain_graph=True)
    with tg.no_grad():
        x += 1.0
    with pytest.raises(RuntimeError, match="modified by an inplace operation"):
        y.backward()


def test_requires_grad_false_on_a_computed_tensor_is_refused_as_torch(backend):
    """It cut the graph silently: ``y = x * 2; y.requires_grad_(False); (y * x).sum()`` gave ``x.grad = x`` for
    PyTorch's refusal (found by a tester)."""
    x = tensor_on(np.array([1.0, 2.0]), backend, requires_grad=True)
    y = x * 2.0
    with pytest.raises(RuntimeError, match=r"changes only leaf tensors.*t\.detach\(\)"):
        y.requires_grad_(False)
    (y * x).sum().backward()
    np.testing.assert_array_equal(x.grad.numpy(), [4.0, 8.0])
    assert not x.requires_grad_(False).requires_grad          # a leaf may change its flag


WITH_A_TORCH_TENSOR = {"x + t": lambda x, t: x + t, "x * t": lambda x, t: x * t, "x == t": lambda x, t: x == t,
                       "x != t": lambda x, t: x != t, "x < t": lambda x, t: x < t, "x @ t": lambda x, t: x @ t}


@pytest.mark.parametrize("expression", sorted(WITH_A_TORCH_TENSOR))
def test_a_torch_tensor_operand_is_a_clear_type_error(expression):
    """``x == torch_tensor`` was a plain ``False`` and ``x + torch_tensor`` NumPy's "Cannot interpret
    'torch.float32' as a data type" (found by a tester)."""
    torch = pytest.importorskip("torch", reason="the operand is a PyTorch tensor")
    with pytest.raises(TypeError, match=r"Cannot combine a tinygradconv tensor with a torch\.Tensor .*convert it"):
        WITH_A_TORCH_TENSOR[expression](tg.tensor([1.0, 2.0]), torch.tensor([1.0, 2.0]))


INDEXED_BY_A_TORCH_TENSOR = {"x[t]": lambda x, t: x[t], "x[0, t]": lambda x, t: x[0, t],
                             "x[t, None]": lambda x, t: x[t, None]}


@pytest.mark.parametrize("expression", sorted(INDEXED_BY_A_TORCH_TENSOR))
def test_a_torch_tensor_index_is_a_clear_type_error(expression):
    """``x[torch.tensor(1)]`` failed inside torch with "min(): argument 'dim' must be int, not NoneType" (noticed
    by a tester)."""
    torch = pytest.importorskip("torch", reason="the index is a PyTorch tensor")
    x = tg.tensor(np.arange(6.0).reshape(2, 3), requires_grad=True)
    with pytest.raises(TypeError, match=r"Cannot index a tinygradconv tensor with a torch\.Tensor .*convert it"):
        INDEXED_BY_A_TORCH_TENSOR[expression](x, torch.tensor([0]))
