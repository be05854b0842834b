"""NumPy's ufuncs on tensors (``tinygradconv.numpy_protocol``): refused on tensors that require grad, as PyTorch
refuses them; operators with an array on the left stay the tensor's differentiable operators; other calls compute
on the data. References: gradients written from the formulas by hand, NumPy on the plain arrays, and PyTorch's
own refusal (optional)."""
import numpy as np
import pytest

import tinygradconv as tg

REFUSED = [np.exp, np.log, np.sqrt, np.tanh, np.sin, np.absolute, np.negative, np.square, np.floor]


@pytest.mark.parametrize("ufunc", REFUSED, ids=lambda u: u.__name__)
def test_a_ufunc_refuses_a_tensor_that_requires_grad(ufunc):
    x = tg.tensor([0.5, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=rf"np\.{ufunc.__name__}\(\.\.\.\) got a tensor that requires grad"):
        ufunc(x)


def test_the_refusal_names_the_tensors_own_op_where_there_is_one():
    x = tg.tensor([0.5, 2.0], requires_grad=True)
    with pytest.raises(TypeError, match=r"t\.exp\(\)"):
        np.exp(x)
    with pytest.raises(TypeError, match=r"t\.abs\(\)"):
        np.absolute(x)
    with pytest.raises(TypeError, match=r"t\.maximum\(\)"):
        np.maximum(x, 0.0)
    with pytest.raises(TypeError, match=r"np\.add\.reduce\(\.\.\.\)"):
        np.add.reduce(x)


def test_pytorch_refuses_the_same_calls():
    torch = pytest.importorskip("torch", reason="PyTorch is the reference for the refusal")
    x = torch.tensor([0.5, 2.0], requires_grad=True)
    for ufunc in REFUSED:
        with pytest.raises(RuntimeError, match="requires grad"):
            ufunc(x)


def test_an_in_place_numpy_add_of_a_grad_tensor_is_refused_and_of_a_plain_one_computed():
    a = np.ones(2)
    with pytest.raises(TypeError, match="requires grad"):
        a += tg.tensor([1.0, 2.0], requires_grad=True)
    assert a.tolist() == [1.0, 1.0]
    a += tg.tensor([1.0, 2.0])
    assert a.tolist() == [2.0, 3.0]


def test_a_tensor_as_out_is_refused():
    with pytest.raises(TypeError, match="cannot write into a tensor"):
        np.exp(np.ones(2), out=(tg.tensor([0.0, 0.0]),))


def test_ufuncs_on_tensors_without_grad_return_numpy_arrays_of_the_data():
    data = np.array([[0.25, 4.0], [1.0, 9.0]], dtype=np.float32)
    t = tg.tensor(data)
    for ufunc in (np.exp, np.sqrt, np.log1p):
        result = ufunc(t)
        assert type(result) is np.ndarray and result.dtype == np.float32
        np.testing.assert_array_equal(result, ufunc(data))
    np.testing.assert_array_equal(np.maximum.reduce(t, axis=1), np.array([4.0, 9.0], np.float32))
    np.testing.assert_array_equal(np.exp(tg.tensor(data, requires_grad=True).detach()), np.exp(data))


def test_boolean_ufuncs_take_a_tensor_that_requires_grad():
    x = tg.tensor([np.nan, -0.0, np.inf, 1.0], requires_grad=True)
    assert np.isnan(x).tolist() == [True, False, False, False]
    assert np.isfinite(x).tolist() == [False, True, False, True]
    assert np.signbit(x).tolist() == [False, True, False, False]
    assert np.logical_not(x).tolist() == [False, True, False, False]


def _grad(f, values):
    x = tg.tensor(values, dtype="float64", requires_grad=True)
    out = f(x)
    assert isinstance(out, tg.Tensor) and out.requires_grad
    out.sum().backward()
    return out.numpy(), x.grad.numpy()


def test_operators_with_an_array_on_the_left_are_differentiable():
    a = np.array([3.0, 5.0])
    v = np.array([2.0, 4.0])
    cases = [
        (lambda x: a + x, a + v, np.ones(2)),
        (lambda x: a - x, a - v, -np.ones(2)),
        (lambda x: a * x, a * v, a),
        (lambda x: a / x, a / v, -a / v ** 2),
        (lambda x: a ** x, a ** v, np.log(a) * a ** v),
        (lambda x: np.float64(2.0) * x, 2 * v, np.full(2, 2.0)),
        (lambda x: np.add(a, x), a + v, np.ones(2)),
    ]
    for f, value, grad in cases:
        out, got = _grad(f, v)
        np.testing.assert_allclose(out, value, rtol=1e-15)
        np.testing.assert_allclose(got, grad, rtol=1e-15)


def test_matmul_with_an_array_on_the_left_is_differentiable():
    a = np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]])
    out, grad = _grad(lambda x: a @ x, np.array([[1.0], [-1.0]]))
    np.testing.assert_array_equal(out, [[-1.0], [-1.0], [-1.0]])
    np.testing.assert_array_equal(grad, a.sum(axis=0).reshape(2, 1))    # d(sum(a @ x))/dx = column sums of a


def test_comparisons_with_an_array_on_the_left_read_as_with_it_on_the_right():
    a = np.array([1.0, 2.0, 3.0])
    x = tg.tensor([2.0, 2.0, 2.0], requires_grad=True)
    assert (a < x).tolist() == [True, False, False]
    assert (a <= x).tolist() == [True, True, False]
    assert (a > x).tolist() == [False, False, True]
    assert (a >= x).tolist() == [False, True, True]
    assert (a == x).tolist() == [False, True, False]
    assert (a != x).tolist() == [True, False, True]


def test_explicit_operator_ufuncs_with_the_tensor_first_compute_on_the_data():
    """``np.add(g, 1)`` on a tensor without grad (a ``.grad``) stays NumPy code: an array, which ``np.sum`` and the
    like take (a reviewer found them failing on the Tensor it had returned). With grad it is refused."""
    g = tg.tensor([1.0, 2.0])
    for ufunc, expected in ((np.add, [2.0, 3.0]), (np.multiply, [1.0, 4.0]), (np.subtract, [0.0, 1.0]),
                            (np.less, [False, False])):
        result = ufunc(g, g) if ufunc is np.multiply else ufunc(g, 1.0)
        assert type(result) is np.ndarray and result.tolist() == expected
    assert float(np.sum(np.multiply(g, g))) == 5.0
    with pytest.raises(TypeError, match=r"np\.add\(\.\.\.\) got a tensor that requires grad"):
        np.add(tg.tensor([1.0], requires_grad=True), 1.0)


@pytest.mark.parametrize("operator", ["<<", ">>"])
def test_shifts_with_a_numpy_scalar_on_the_left_are_the_tensors_operators(operator):
    """As ``7 // t``: the ufunc hands over to the tensor's reflected shift, which refuses a float tensor as PyTorch
    does (a tensor without grad had come back as an array, one with grad was told of an op that does not exist),
    and shifts an integer one as ``7 << t``."""
    for t in (tg.tensor([7.0, 8.0]), tg.tensor([7.0, 8.0], requires_grad=True)):
        for left in (np.float32(7), np.array([7.0, 8.0], np.float32), 7):
            with pytest.raises(TypeError, match="defined for bool and integer tensors"):
                eval(f"left {operator} t")
    expected = eval(f"np.array([7, 7]) {operator} np.array([1, 2])").tolist()
    for left in (np.int64(7), np.array([7, 7]), 7):
        result = eval(f"left {operator} tg.tensor([1, 2], dtype='int64')")
        assert isinstance(result, tg.Tensor) and result.tolist() == expected


def test_floor_division_and_remainder_with_an_array_on_the_left_are_the_tensors_operators():
    """``//`` and ``%`` are tensor operators now: with an array or NumPy scalar on the left they are the reflected
    ones, as ``7 // t``; the remainder's gradient by hand: d(a % x)/dx = -floor(a / x)."""
    a = np.array([7.0, -7.0, 5.0])
    out, grad = _grad(lambda x: a % x, np.array([2.0, 2.0, -3.0]))
    np.testing.assert_array_equal(out, [1.0, 1.0, -1.0])
    np.testing.assert_array_equal(grad, -np.floor(a / np.array([2.0, 2.0, -3.0])))
    assert (np.float64(7.0) // tg.tensor([2.0, -2.0])).tolist() == [3.0, -4.0]
