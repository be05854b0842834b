"""PyTorch parity of autograd and tensor ops found by a tester (session 42): the float math ops of integer and bool
tensors, in-place gradient accumulation, ``backward(gradient=...)`` and comparisons of bool tensors with numbers.
References: PyTorch and Keras 3 run on the same inputs, and hand-computed values."""
import math

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import activations, config, ops
from tinygradconv.backend import dtype_name


def _torch():
    return pytest.importorskip("torch", reason="PyTorch is the reference of the autograd and tensor ops")


def _keras():
    return pytest.importorskip("keras", reason="Keras 3 is the reference of the activations")


INTEGER_DTYPES = ["bool", "uint8", "int8", "int16", "int32", "int64"]
VALUES = {"bool": [True, False, True], "uint8": [0, 3, 250], "int8": [-100, 0, 7], "int16": [-300, 2, 1000],
          "int32": [-7, 1, 40000], "int64": [-3, 0, 2]}


# ------------------------------------------------------------------ 1. float math of integer and bool tensors
UNARY = {"exp": math.exp, "log": lambda v: math.log(v) if v > 0 else (-math.inf if v == 0 else math.nan),
         "log1p": lambda v: math.log1p(v) if v > -1 else (-math.inf if v == -1 else math.nan),
         "sqrt": lambda v: math.sqrt(v) if v >= 0 else math.nan, "tanh": math.tanh,
         "sigmoid": lambda v: 1 / (1 + math.exp(-v)) if v > -700 else 0.0,
         "reciprocal": lambda v: 1 / v if v else math.inf}


def _by_hand(name, values):
    with np.errstate(over="ignore"):
        out = []
        for v in values:
            try:
                out.append(UNARY[name](float(v)))
            except OverflowError:
                out.append(math.inf)
        return np.array(out)


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
@pytest.mark.parametrize("name", sorted(UNARY))
def test_float_math_of_integer_and_bool_tensors_is_float32_as_torch(name, dtype):
    """Found by a tester: ``sigmoid`` of a bool tensor was float16, ``sqrt`` of uint8 250 float16 15.81 (NumPy's
    rule). PyTorch gives float32 (its default dtype) for every integer and bool input."""
    torch = _torch()
    values = VALUES[dtype]
    t = tg.tensor(np.array(values, dtype=dtype), dtype=dtype)
    ours = getattr(ops, name)(t)
    theirs = getattr(torch, name)(torch.tensor(np.array(values, dtype=dtype)))
    assert dtype_name(ours.dtype) == "float32" and theirs.dtype == torch.float32
    # torch's sigmoid(-100) is 0 (1 / (1 + inf)); ours the float32 subnormal 3.8e-44 nearest the true value
    np.testing.assert_allclose(ours.numpy(), theirs.numpy(), rtol=2e-7, atol=1e-38)
    with np.errstate(over="ignore"):
        rounded = _by_hand(name, values).astype(np.float32)      # the true value, rounded once to float32
    np.testing.assert_allclose(ours.numpy(), rounded, rtol=3e-7, atol=2e-45)


def test_the_tester_examples_by_hand():
    s = tg.tensor([True, False], dtype="bool").sigmoid()
    assert dtype_name(s.dtype) == "float32"
    np.testing.assert_allclose(s.numpy(), [1 / (1 + math.exp(-1)), 0.5], rtol=1e-7)
    r = tg.tensor(np.array([250], np.uint8), dtype="uint8").sqrt()
    assert dtype_name(r.dtype) == "float32" and r.item() == np.float32(math.sqrt(250))   # float16 gave 15.81


@pytest.mark.parametrize("dtype", INTEGER_DTYPES)
def test_logsumexp_of_integer_and_bool_tensors_is_float32_as_torch(dtype):
    torch = _torch()
    values = np.array(VALUES[dtype], dtype=dtype)
    ours = ops.logsumexp(tg.tensor(values, dtype=dtype))
    theirs = torch.logsumexp(torch.tensor(values), 0)
    assert dtype_name(ours.dtype) == "float32" and theirs.dtype == torch.float32
    as_float = values.astype(np.float64)
    by_hand = as_float.max() + math.log(sum(math.exp(v - as_float.max()) for v in as_float))
    np.testing.assert_allclose(ours.item(), theirs.item(), rtol=2e-7)
    np.testing.assert_allclose(ours.item(), by_hand, rtol=2e-7)


KEEP_INTEGERS = {"linear", "relu", "relu6", "hard_tanh", "threshold"}  # integer in, integer out in Keras 3 and torch


@pytest.mark.filterwarnings("ignore::DeprecationWarning")   # inside Keras
@pytest.mark.parametrize("dtype", ["uint8", "int8", "int32", "int64"])
@pytest.mark.parametrize("name", sorted(set(activations.ALL_OBJECTS) - KEEP_INTEGERS - {"glu"}))
def test_activations_of_integer_tensors_are_keras_on_floatx(name, dtype):
    """Keras 3 computes its activations of an integer tensor in floatx() (float32; on torch, some of them, elu and
    gelu, raise for integers, and sparse_plus of uint8 wraps around): ours now do, for every integer dtype (float16
    for 8-bit and float64 for int32/int64 before). Values: Keras' on the float32 tensor of the same numbers."""
    keras = _keras()
    values = np.array([[0, 3, 1, 7], [5, 2, 0, 1]] if dtype == "uint8" else [[-2, 0, 1, 3], [7, -5, 0, 1]], dtype)
    floats = keras.ops.convert_to_tensor(values.astype(keras.config.floatx()))
    theirs = keras.ops.convert_to_numpy(getattr(keras.activations, name)(floats))
    ours = getattr(activations, name)(tg.tensor(values, dtype=dtype))
    assert dtype_name(ours.dtype) == str(theirs.dtype) == keras.config.floatx() == "float32"
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=2e-6, atol=5e-7)  # gelu(-5): float32 cancellation


@pytest.mark.parametrize("floatx", ["float16", "float64"])
def test_integer_math_follows_floatx_as_torch_its_default_dtype(floatx):
    """A tensor op on an int tensor (sqrt, sigmoid, mean, true division) takes ``floatx()``, as torch takes its
    default dtype (``torch.set_default_dtype``): 70000 / 7 is inf in float16 in both, 10000 in float64. Keras 3's
    ops stay float32 whatever floatx() is, and so do the Keras paths here (``activations.sigmoid``)."""
    torch, keras = _torch(), _keras()
    from keras import ops as kops
    torch.set_default_dtype(getattr(torch, floatx))
    try:
        x, big = torch.tensor([1, 4], dtype=torch.int32), torch.tensor([70000, 1])
        theirs = {str(f(x).dtype).removeprefix("torch.") for f in (torch.sqrt, torch.sigmoid, lambda v: v / 1)}
        expected_division = (big / 7).tolist()
    finally:
        torch.set_default_dtype(torch.float32)
    previous = keras.config.floatx()
    keras.config.set_floatx(floatx)
    try:
        keras_result = kops.sigmoid(kops.convert_to_tensor(np.array([1], "int32")))
        keras_sigmoid = keras.backend.standardize_dtype(keras_result.dtype)
    finally:
        keras.config.set_floatx(previous)
    previous = config.floatx()
    config.set_floatx(floatx)
    try:
        t = tg.tensor([1, 4], dtype="int32")
        ours = {dtype_name(t.sqrt().dtype), dtype_name(t.sigmoid().dtype), dtype_name((t / 1).dtype),
                dtype_name(t.mean().dtype)}
        division = (tg.tensor([70000, 1], dtype="int64") / 7).tolist()
        keras_path = dtype_name(activations.sigmoid(t).dtype)
    finally:
        config.set_floatx(previous)
    assert ours == theirs == {floatx}
    assert division == expected_division            # [inf, ...] in float16, [10000.0, ...] in float64
    assert keras_path == keras_sigmoid == "float32"


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_float_inputs_keep_their_dtype(dtype):
    torch = _torch()
    values = np.array([0.5, 2.0, 9.0], dtype)
    for name in ("exp", "sqrt", "sigmoid", "log"):
        ours = getattr(ops, name)(tg.tensor(values, dtype=dtype))
        theirs = getattr(torch, name)(torch.tensor(values))
        assert dtype_name(ours.dtype) == dtype == str(theirs.dtype).removeprefix("torch.")


# ------------------------------------------------------------------ 2. gradients accumulate in place
def test_a_reference_to_grad_sees_the_next_backward_as_torch():
    """Found by a tester: ``g = x.grad`` went stale after a second backward ([2, 4], not x.grad); torch adds
    into the same tensor in place: [5, 7] (2x + 3), and ``g is x.grad``."""
    torch = _torch()
    results = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        g = x.grad
        (x * 3).sum().backward()
        results.append((g.tolist(), g is x.grad))
    assert results[0] == results[1] == ([5.0, 7.0], True)


@pytest.mark.parametrize("make", [lambda x: x * 1, lambda x: x.reshape(2, 2), lambda x: x + 0.0, lambda x: x,
                                  lambda x: x.reshape(4) * 1 + x.reshape(4)],
                         ids=["times-one", "reshape", "plus-zero", "the-leaf-itself", "used-twice"])
@pytest.mark.parametrize("as_tensor", [False, True], ids=["array", "tensor"])
def test_the_first_grad_owns_its_array_so_adding_in_place_changes_nothing_else(make, as_tensor):
    """The first ``.grad`` is a copy of the gradient the user passed (not that array, nor a view of it, nor of
    the data), so the in-place additions of later calls change neither, and the user changing the array later does
    not change ``.grad``. Values: torch on the same steps, without the user's write (torch keeps a view of the
    user's tensor as ``.grad`` after ``reshape``, so the write would reach its ``.grad``)."""
    torch = _torch()
    outs = []
    for lib in (tg, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        y = make(x)
        shape = tuple(y.shape)
        upstream = np.arange(1.0, 1.0 + np.prod(shape), dtype=np.float32).reshape(shape)
        if lib is torch:
            y.backward(torch.tensor(upstream))
            first_values = x.grad.tolist()
        else:
            given = tg.tensor(upstream) if as_tensor else upstream
            y.backward(given)
            first_values = x.grad.tolist()
            arrays = (upstream, x.data, given.data if as_tensor else upstream)
            assert not any(np.shares_memory(x.grad.numpy(), np.asarray(a)) for a in arrays)
            upstream[...] = 100.0                      # the user changes the arrays: .grad must not follow
            if as_tensor:
                given.data[...] = 100.0
            assert x.grad.tolist() == first_values
        first = x.grad
        make(x).backward(lib.tensor(np.ones(shape, np.float32)))
        outs.append((first_values, x.grad.tolist(), first is x.grad, x.tolist()))
    assert outs[0] == outs[1]
    assert outs[0][3] == [[1.0, 2.0], [3.0, 4.0]]      # the data never changed


def test_two_leaves_given_the_same_gradient_array_keep_separate_grads():
    """``a + b`` sends the same array to both: each ``.grad`` is its own copy, so adding into one in place leaves
    the other alone (hand-computed: d(a+b)/da = d(a+b)/db = 1, then d(2a)/da = 2)."""
    a = tg.tensor([1.0, 2.0], requires_grad=True)
    b = tg.tensor([3.0, 4.0], requires_grad=True)
    (a + b).sum().backward()
    assert not np.shares_memory(a.grad.numpy(), b.grad.numpy())
    (a * 2).sum().backward()
    assert a.grad.tolist() == [3.0, 3.0] and b.grad.tolist() == [1.0, 1.0]


def test_a_grad_set_by_hand_is_added_into_as_torch():
    torch = _torch()
    results = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        mine = lib.tensor([10.0, 20.0])
        x.grad = mine
        (x * 2).sum().backward()
        results.append((mine.tolist(), x.grad is mine))
    assert results[0] == results[1] == ([12.0, 22.0], True)


def test_a_retained_grad_of_a_non_leaf_is_a_new_tensor_each_time_as_torch():
    torch = _torch()
    results = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * 3
        y.retain_grad()
        (y * y).sum().backward(retain_graph=True)
        g = y.grad
        (y * y).sum().backward()
        results.append((g.tolist(), y.grad.tolist(), g is y.grad, x.grad.tolist()))
    # torch makes a new .grad for a non-leaf that retains it (the leaf x is added into in place)
    assert results[0] == results[1] == ([6.0, 12.0], [12.0, 24.0], False, [36.0, 72.0])


def test_a_graph_that_saved_a_grad_refuses_backward_after_it_is_added_into_as_torch():
    torch = _torch()
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        (x * x).sum().backward()
        w = lib.tensor([1.0, 1.0], requires_grad=True)
        saved = (w * x.grad).sum()               # Mul saves x.grad's values for w's gradient
        (x * x).sum().backward()                 # adds into x.grad in place
        with pytest.raises(RuntimeError, match="modified by an inplace operation"):
            saved.backward()


def test_drawing_a_backward_pass_leaves_an_existing_grad_and_references_to_it_unchanged():
    """``viz.trace_backward`` runs its own recorded pass and puts the previous ``.grad`` objects back: while a pass
    is recorded, accumulation makes a new Tensor, so the kept one is not added into (hand-computed: 2x, then 3)."""
    from tinygradconv import viz

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    g = x.grad
    loss = (x * 3).sum()
    np.testing.assert_array_equal(viz.trace_backward(loss).grad(x), [3.0, 3.0])
    assert x.grad is g and g.tolist() == [2.0, 4.0]
    loss.backward()
    assert x.grad is g and g.tolist() == [5.0, 7.0]


# ------------------------------------------------------------------ 3. backward's signature is torch's
def test_backward_takes_torch_signature():
    """Found by a tester: ``y.backward(gradient=g)`` raised "unexpected keyword argument 'gradient'"."""
    torch = _torch()
    import inspect

    ours = inspect.signature(tg.Tensor.backward).parameters
    theirs = inspect.signature(torch.Tensor.backward).parameters
    assert list(theirs) == ["self", "gradient", "retain_graph", "create_graph", "inputs"]
    assert [(n, p.default) for n, p in ours.items()][:5] == [(n, p.default) for n, p in theirs.items()]


@pytest.mark.parametrize("keyword", ["gradient", "grad"])
def test_backward_gradient_by_keyword_as_torch(keyword):
    torch = _torch()
    results = []
    for lib in (tg, torch):
        x = lib.tensor([1.0, 2.0], requires_grad=True)
        y = x * x
        g = lib.tensor([1.0, 0.5])
        if lib is torch:
            y.backward(gradient=g, retain_graph=None)
        else:
            y.backward(**{keyword: g}, retain_graph=None)      # grad= is this project's earlier name
        results.append(x.grad.tolist())
    assert results[0] == results[1] == [2.0, 2.0]      # 2x * g, by hand


def test_retain_graph_none_frees_the_graph_as_false():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = (x * x).sum()
    y.backward(retain_graph=None)
    with pytest.raises(RuntimeError, match="retain_graph=True"):
        y.backward()
    z = (x * x).sum()
    z.backward(retain_graph=True)
    z.backward()
    assert x.grad.tolist() == [2.0 * 3, 4.0 * 3]          # three passes of 2x


@pytest.mark.parametrize("kwargs, error, words", [
    ({"create_graph": True}, ValueError, r"Invalid value for argument `create_graph`.*higher-order.*create_graph=True"),
    ({"inputs": "x"}, ValueError, r"Invalid value for argument `inputs`.*Expected None.*\.grad.*Received inputs"),
    ({"create_graph": "yes"}, TypeError, r"Invalid type for argument `create_graph`.*Received create_graph='yes'"),
    ({"retain_graph": 1}, TypeError, r"Invalid type for argument `retain_graph`.*Received retain_graph=1"),
    ({"gradient": [1.0, 1.0], "grad": [1.0, 1.0]}, TypeError, r"Invalid type for argument `grad`.*not both"),
])
def test_backward_arguments_not_supported_are_clear_errors(kwargs, error, words):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    if "inputs" in kwargs:
        kwargs = {"inputs": [x]}
        words = words.replace("Received inputs", "Received inputs of type list")
    with pytest.raises(error, match=words):
        (x * x).backward(**{"gradient": tg.tensor([1.0, 1.0]), **kwargs})
    assert x.grad is None                                  # refused before any gradient flowed


# ------------------------------------------------------------------ 4. a bool tensor compared with a number
COMPARISONS = {"==": lambda a, b: a == b, "!=": lambda a, b: a != b, "<": lambda a, b: a < b,
               "<=": lambda a, b: a <= b, ">": lambda a, b: a > b, ">=": lambda a, b: a >= b}


@pytest.mark.parametrize("number", [0, 1, 2, -1, 0.5, 1.0, True, False, float("nan"), float("inf"), 10 ** 400],
                         ids=str)
@pytest.mark.parametrize("symbol", sorted(COMPARISONS))
def test_a_bool_tensor_compared_with_a_number_as_torch(symbol, number, backend):
    """Found by a tester: ``m > 0`` and ``m == 1`` raised "Cannot combine a bool tensor with the number 0";
    torch compares True and False as 1 and 0 with the number. Reflected too (``0 < m`` is ``m > 0``)."""
    op = COMPARISONS[symbol]
    m = tg.tensor([True, False], dtype="bool", backend=backend)
    ours = op(m, number)
    assert dtype_name(ours.dtype) == "bool"
    by_hand = [op(1, number), op(0, number)]                      # Python compares True/False as 1/0
    assert ours.tolist() == by_hand
    assert op(number, m).tolist() == [op(number, 1), op(number, 0)]
    if number != 10 ** 400:                                     # torch cannot hold that number at all
        torch = _torch()
        assert op(torch.tensor([True, False]), number).tolist() == by_hand


def test_the_tester_bool_comparisons():
    m = tg.tensor([True, False], dtype="bool")
    assert (m > 0).tolist() == [True, False] and (m == 1).tolist() == [True, False]


@pytest.mark.parametrize("expression", ["m + 1", "2 + m", "m * 3", "m * 2.5", "m + 1.5", "m / 2", "2 / m",
                                        "m + np.int64(2)", "m * np.float64(0.5)", "m + True", "m * True"])
def test_a_bool_tensor_beside_a_number_as_torch(expression, backend):
    """A bool tensor beside a number that is not a bool computes as torch: in int64 beside an integer, in float32
    (torch's default dtype) beside a float (it had been refused: "Cannot combine a bool tensor with the number 1");
    beside a bool it stays bool (NumPy's or, and) on NumPy."""
    torch = _torch()
    if backend == "array_api_strict" and "True" in expression:
        pytest.skip("array-api-strict has no arithmetic on bools (TypeError from the array API)")
    m = tg.tensor([True, True, False], dtype="bool", backend=backend)
    ours = eval(expression, {"m": m, "np": np})
    theirs = eval(expression, {"m": torch.tensor([True, True, False]), "np": np})
    assert dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.")
    np.testing.assert_array_equal(ours.numpy(), theirs.numpy())


def test_a_bool_tensor_minus_a_number_is_refused_as_torch():
    m = tg.tensor([True, False], dtype="bool")
    for expression in (lambda: m - 1, lambda: 1 - m):
        with pytest.raises(TypeError, match="does not take a bool operand"):
            expression()


def test_grad_is_added_into_in_place_on_every_backend(backend):
    """Hand-computed: d sum(x^2)/dx = 2x, then d sum(3x)/dx = 3, added into the same tensor."""
    x = tg.tensor([1.0, 2.0], requires_grad=True, backend=backend)
    (x * x).sum().backward()
    g = x.grad
    (x * 3).sum().backward()
    assert g is x.grad and g.tolist() == [5.0, 7.0]


@pytest.mark.parametrize("other", [[2, 0], [0.5, -1.0], np.array(2), np.array([1, 1], dtype=np.int8), np.int64(2)],
                         ids=["list", "float list", "0-d array", "int8 array", "NumPy scalar"])
@pytest.mark.parametrize("symbol", sorted(COMPARISONS))
def test_a_bool_tensor_compared_with_numbers_in_a_list_or_array_as_torch(symbol, other, backend):
    """Found by a reviewer: numbers in a list or an array were cast to bool first (2 became True), so
    ``t == [2, 0]`` was [True, True] and ``np.int64(2) == t`` (NumPy hands the scalar over as a 0-d array) [True,
    False]; torch compares True and False as 1 and 0 with them. Both operand orders."""
    op = COMPARISONS[symbol]
    m = tg.tensor([True, False], dtype="bool", backend=backend)
    numbers = np.broadcast_to(np.asarray(other, dtype=np.float64), (2,))
    by_hand = [op(1, float(numbers[0])), op(0, float(numbers[1]))]
    assert op(m, other).tolist() == by_hand
    assert op(other, m).tolist() == [op(float(numbers[0]), 1), op(float(numbers[1]), 0)]
    torch = _torch()
    reference = op(torch.tensor([True, False]), torch.as_tensor(np.asarray(other)))
    assert reference.tolist() == by_hand


def test_record_backward_keeps_adding_into_the_held_grad():
    """Found by a reviewer: inside ``viz.record_backward()`` a leaf's gradient went into a new tensor, so a held
    ``g = x.grad`` no longer was ``x.grad``. d(sum x^2)/dx = 2x, twice: [4, 8] (by hand), in the same tensor."""
    from tinygradconv import viz

    x = tg.tensor([1.0, 2.0], requires_grad=True)
    (x * x).sum().backward()
    g = x.grad
    with viz.record_backward():
        (x * x).sum().backward()
    assert g is x.grad and g.tolist() == [4.0, 8.0]


def test_the_model_jacobian_picture_leaves_the_weights_grads_alone():
    """Found by a reviewer: ``model_connectivity_matrix(model, n, weights="model")`` ran its Jacobian pass into the
    weights' ``.grad``, which a training loop holds between backward() and its optimizer's step: an update then
    used a wrong gradient. The held gradient keeps its object and its values (those of the loss's own pass)."""
    from tinygradconv import layers, models
    from tinygradconv.viz import model_connectivity_matrix

    model = models.Sequential([layers.Input((8, 1)), layers.Conv1D(2, 3)])
    (model(tg.tensor(np.ones((2, 8, 1)), dtype="float32")) ** 2).sum().backward()
    kernel = model.layers[0].kernel
    held, values = kernel.grad, kernel.grad.numpy().copy()
    model_connectivity_matrix(model, 8, weights="model")
    assert kernel.grad is held
    np.testing.assert_array_equal(held.numpy(), values)
    fresh = models.Sequential([layers.Input((8, 1)), layers.Conv1D(2, 3)])
    model_connectivity_matrix(fresh, 8, weights="model")
    assert fresh.layers[0].kernel.grad is None


@pytest.mark.parametrize("dtype, values, other", [
    ("int64", [1, 2, 3], [1.5, 2, 3]), ("int32", [1, 2, 3], (0.5, 2.0, 3.5)), ("uint8", [1, 2, 3], [257, 2, 3]),
    ("int8", [1, 2, 3], [-200, 2, 300])], ids=["int64 floats", "int32 tuple", "uint8 257", "int8 out of range"])
@pytest.mark.parametrize("symbol", sorted(COMPARISONS))
def test_an_integer_tensor_compared_with_a_list_it_cannot_hold_as_torch(symbol, dtype, values, other, backend):
    """Found by a reviewer: a list was cast to the tensor's integer dtype, so ``int_t == [1.5, 2, 3]`` compared with
    [1, 2, 3] (all True) and ``uint8_t == [257, 2, 3]`` failed to cast and gave Python's ``False``. The numbers
    are compared as they are, as torch compares them; by hand with Python's comparisons."""
    op = COMPARISONS[symbol]
    t = tg.tensor(values, dtype=dtype, backend=backend)
    ours = op(t, other)
    assert isinstance(ours, tg.Tensor) and dtype_name(ours.dtype) == "bool"
    assert ours.tolist() == [op(a, b) for a, b in zip(values, other)]
    torch = _torch()
    reference = op(torch.tensor(values, dtype=getattr(torch, dtype)), torch.tensor(other))
    assert reference.tolist() == ours.tolist()


def test_an_integer_tensor_times_a_list_of_floats_is_not_truncated():
    """``int_t * [1.5, 1, 1]`` had been computed as ``int_t * [1, 1, 1]`` (the list cast to int64): the floats stay
    floats (values as torch's; the dtype follows NumPy's promotion, documented)."""
    torch = _torch()
    t = tg.tensor([1, 2, 3], dtype="int64")
    reference = torch.tensor([1, 2, 3]) * torch.tensor([1.5, 1, 1])
    assert (t * [1.5, 1, 1]).tolist() == [1.5, 2.0, 3.0] == reference.tolist()
    assert (t + [1.5, 0, 0]).tolist() == [2.5, 2.0, 3.0]
    assert dtype_name((t + [1, 0, 0]).dtype) == "int64"                  # integers it holds keep its dtype
