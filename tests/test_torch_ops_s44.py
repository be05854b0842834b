"""PyTorch's tensor ops a porter reaches for: ``masked_fill``, ``expand``, ``repeat``, ``chunk``, ``split`` and
``norm`` (``tg.ops.vector_norm``), against PyTorch 2.13: values, shapes, dtypes and gradients (of a weighted sum,
so that every output element's gradient counts), at the corners (negative dims, sizes that do not divide, ``-1``,
broadcasting, rank 0, empty, NaN and inf, integer dtypes), finite differences in float64, and the errors."""
import math
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import dtype_name
from tinygradconv.ops import masking, norms, splitting, tiling

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these tests")

RNG = np.random.default_rng(44)
X23 = RNG.standard_normal((2, 3))
TORCH_DTYPES = {"float16": torch.float16, "float32": torch.float32, "float64": torch.float64, "int64": torch.int64,
                "int32": torch.int32, "bool": torch.bool, "uint8": torch.uint8}


def _pair(array, dtype="float64", backend=None, requires_grad=None):
    """The same data as a tinygradconv tensor and a torch tensor (requiring grad when floating)."""
    array = np.asarray(array)
    grad = dtype.startswith("float") if requires_grad is None else requires_grad
    ours = tg.tensor(array, dtype=dtype, backend=backend, requires_grad=grad)
    theirs = torch.tensor(array, dtype=TORCH_DTYPES[dtype], requires_grad=grad)
    return ours, theirs


def _weights(shape):
    """Distinct weights, so that a gradient routed to the wrong place is seen."""
    return np.arange(1.0, 1.0 + math.prod(shape)).reshape(shape)


def _same(ours, theirs, exact=True):
    """Values, shape and dtype of ours equal torch's (NaN equal to NaN, 0.0 apart from -0.0 when ``exact``)."""
    expected = theirs.detach().numpy()
    got = ours.numpy()
    assert got.shape == expected.shape
    assert dtype_name(ours.dtype) == str(theirs.dtype).replace("torch.", "")
    if exact:
        np.testing.assert_array_equal(got, expected)
        if got.dtype.kind == "f":
            np.testing.assert_array_equal(np.signbit(got), np.signbit(expected))
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=0, equal_nan=True)


def _backward_both(ours_out, theirs_out, dtype="float64"):
    w = _weights(theirs_out.shape)
    (ours_out * tg.tensor(w, dtype=dtype, backend=ours_out.backend)).sum().backward()
    (theirs_out * torch.tensor(w, dtype=TORCH_DTYPES[dtype])).sum().backward()


def _grads_same(ours, theirs, exact=False):
    assert ours.grad is not None and theirs.grad is not None
    got, expected = ours.grad.numpy(), theirs.grad.numpy()
    assert got.shape == expected.shape and got.dtype == expected.dtype
    if exact:
        np.testing.assert_array_equal(got, expected)
    else:
        np.testing.assert_allclose(got, expected, rtol=1e-12, atol=1e-15, equal_nan=True)


# ------------------------------------------------------------------------------------------------ masked_fill
@pytest.mark.parametrize("x_shape, mask, value", [
    ((2, 3), [[True, False, True], [False, False, True]], 9.0),
    ((2, 3), [True, False, True], -1.5),                        # the mask broadcast over rows
    ((3,), [[True, False, True], [False, True, False]], 0.5),   # x broadcast to the mask's shape (torch does)
    ((2, 3), True, float("-inf")),                              # a rank-0 mask
    ((), True, 3.0), ((), False, 3.0),                          # rank 0
    ((0, 3), [True, False, True], float("nan")),                # empty
    ((2, 3), [[False] * 3] * 2, 7.0),                           # nothing masked
])
def test_masked_fill_values_and_gradients_match_torch(x_shape, mask, value, backend):
    data = RNG.standard_normal(x_shape)
    ours, theirs = _pair(data, backend=backend)
    mask = np.asarray(mask)
    got = ours.masked_fill(tg.tensor(mask, dtype="bool", backend=backend), value)
    expected = theirs.masked_fill(torch.as_tensor(mask), value)
    _same(got, expected)
    _backward_both(got, expected)
    _grads_same(ours, theirs, exact=True)


def test_masked_fill_value_as_a_rank0_tensor_gets_torchs_gradient(backend):
    ours, theirs = _pair(X23, backend=backend)
    ours_v, theirs_v = _pair(np.asarray(0.25), backend=backend)
    mask = np.array([[True, False, True], [True, True, False]])
    got = tg.ops.masked_fill(ours, tg.tensor(mask, dtype="bool", backend=backend), ours_v)
    expected = torch.masked_fill(theirs, torch.as_tensor(mask), theirs_v)
    _same(got, expected)
    _backward_both(got, expected)
    _grads_same(ours, theirs, exact=True)
    _grads_same(ours_v, theirs_v)
    assert ours_v.grad.item() == 1 + 3 + 4 + 5      # the weights at the masked positions


def test_masked_fill_keeps_the_tensors_dtype_and_casts_the_value():
    mask = np.array([True, False, True])
    for dtype, value in (("float32", 0.1), ("float16", 65504.0), ("float16", -np.inf), ("int64", 7), ("int32", -2),
                         ("uint8", 255), ("bool", True), ("bool", 0), ("float32", True)):
        ours, theirs = _pair([1, 0, 3], dtype=dtype, requires_grad=False)
        _same(ours.masked_fill(mask, value), theirs.masked_fill(torch.as_tensor(mask), value))
    # a float64 rank-0 value into a float32 tensor: float32, the value's gradient float64 (as torch)
    ours, theirs = _pair([1.0, 2.0, 3.0], dtype="float32")
    ours_v, theirs_v = _pair(np.asarray(0.1), dtype="float64")
    got, expected = ours.masked_fill(mask, ours_v), theirs.masked_fill(torch.as_tensor(mask), theirs_v)
    _same(got, expected)
    _backward_both(got, expected, dtype="float32")
    assert dtype_name(ours_v.grad.dtype) == "float64" and ours_v.grad.item() == theirs_v.grad.item() == 4.0


def test_masked_fill_gradient_is_zero_under_the_mask_even_for_nan_gradients():
    x = tg.tensor([1.0, 2.0, 3.0], dtype="float64", requires_grad=True)
    y = x.masked_fill(np.array([True, False, False]), 0.0)
    y.backward(tg.tensor([np.nan, np.inf, 1.0], dtype="float64"))
    t = torch.tensor([1.0, 2.0, 3.0], dtype=torch.float64, requires_grad=True)
    t.masked_fill(torch.tensor([True, False, False]), 0.0).backward(torch.tensor([np.nan, np.inf, 1.0],
                                                                                 dtype=torch.float64))
    np.testing.assert_array_equal(x.grad.numpy(), t.grad.numpy())
    assert x.grad.tolist() == [0.0, math.inf, 1.0]


def test_masked_fill_finite_differences():
    mask = tg.tensor(RNG.random((3, 4)) > 0.5, dtype="bool")
    x = tg.tensor(RNG.standard_normal((4,)), dtype="float64", requires_grad=True)
    v = tg.tensor(0.3, dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda a, b: tg.ops.masked_fill(a, mask, b) ** 2, x, v)


@pytest.mark.parametrize("mask, value, error, words", [
    (np.array([1, 0, 1]), 1.0, TypeError, "Invalid type for argument `mask`"),       # not bool (torch refuses)
    (tg.tensor([1.0, 0.0, 1.0]), 1.0, TypeError, "a float32 tensor"),
    ([1, 0, 1], 1.0, TypeError, "dtype int64"),
    ("yes", 1.0, TypeError, "of type str"),
    (None, 1.0, TypeError, "Invalid type for argument `mask`"),
    (np.array([True, False]), 1.0, ValueError, "does not broadcast"),
    (np.array([True, False, True]), "a", TypeError, "Invalid type for argument `value`"),
    (np.array([True, False, True]), None, TypeError, "Invalid type for argument `value`"),
    (np.array([True, False, True]), tg.tensor([1.0, 2.0]), ValueError, "rank-0 tensor"),   # as torch
    (np.array([True, False, True]), torch.tensor(1.0), TypeError, "PyTorch"),
    (torch.tensor([True, False, True]), 1.0, TypeError, "PyTorch"),
])
def test_masked_fill_refuses_bad_arguments(mask, value, error, words):
    with pytest.raises(error, match=None) as info:
        tg.tensor([1.0, 2.0, 3.0]).masked_fill(mask, value)
    assert words in str(info.value)


def test_masked_fill_refuses_values_an_integer_tensor_cannot_hold():
    """torch truncates 2.5 to 2 silently (and a float tensor value too); here a TypeError, as ``t[mask] = 2.5``."""
    mask = np.array([True, False, True])
    assert torch.tensor([1, 2, 3]).masked_fill(torch.as_tensor(mask), 2.5).tolist() == [2, 2, 2]
    ints = tg.tensor([1, 2, 3], dtype="int64")
    for value in (2.5, tg.tensor(2.5), np.float64(3.5)):
        with pytest.raises(TypeError, match="Invalid type for argument `value`.* an int64 tensor"):
            ints.masked_fill(mask, value)
    for value in (3.0, np.float64(3.0), tg.tensor(3.0)):   # a float holding an integer: written, as torch writes it
        given = torch.tensor(3.0) if isinstance(value, tg.Tensor) else value       # (s50: a 0-d tensor too)
        expected = torch.tensor([1, 2, 3]).masked_fill(torch.as_tensor(mask), given)
        assert ints.masked_fill(mask, value).tolist() == expected.tolist() == [3, 2, 3]
        assert dtype_name(ints.masked_fill(mask, value).dtype) == "int64"
    with pytest.raises(TypeError, match="cannot fill a bool tensor"):
        tg.tensor([True, False, True], dtype="bool").masked_fill(mask, 2)    # torch: True
    # out of the dtype's range: refused, as torch refuses most ("value cannot be converted ... without overflow";
    # an OverflowError for 2**70), where it wraps -1 to 255 in uint8 silently
    assert torch.zeros(3, dtype=torch.uint8).masked_fill(torch.as_tensor(mask), -1).tolist() == [255, 0, 255]
    for dtype, value in (("int8", 300), ("uint8", -1), ("int64", 2**70), ("float16", 70000.0), ("float32", 1e300)):
        if dtype in ("int8", "float16", "float32"):
            with pytest.raises(RuntimeError, match="overflow"):
                torch.zeros(3, dtype=TORCH_DTYPES.get(dtype, getattr(torch, dtype))).masked_fill(
                    torch.as_tensor(mask), value)
        with pytest.raises(ValueError, match="Invalid value for argument `value` of masked_fill: " +
                           re.escape(f"{value!r} is out of the range of {dtype} [")):
            tg.tensor([0, 0, 0], dtype=dtype).masked_fill(mask, value)


@pytest.mark.parametrize("dtype, value, bounds, hint", [
    ("int8", 300, "[-128, 127]", ""), ("uint8", -1, "[0, 255]", ""), ("int64", 2**70, None, ""),
    ("float16", 70000.0, "[-65504, 65504]",
     "; PyTorch's t[i] = value writes inf instead; pass float('inf') for infinity"),
    ("float32", 1e39, "[-3.40282e+38, 3.40282e+38]",
     "; PyTorch's t[i] = value writes inf instead; pass float('inf') for infinity")])
def test_full_like_and_masked_fill_refuse_a_value_out_of_range_in_the_same_words(dtype, value, bounds, hint):
    """One check serves both (they had two messages): the value, the dtype's range (NumPy's iinfo/finfo, printed
    with :g for floats) and PyTorch's words; only the argument and the function differ."""
    info = np.finfo(dtype) if dtype.startswith("float") else np.iinfo(dtype)
    bounds = bounds or f"[{info.min}, {info.max}]"
    torch_said = "PyTorch's fill_, masked_fill, full_like and F.pad refuse it" if dtype.startswith("float") else \
        "PyTorch refuses most such integers"
    said = (f"{value!r} is out of the range of {dtype} {bounds} ({torch_said}: \"value cannot be converted to "
            f"type ... without overflow\"){hint}")
    x = tg.tensor([0, 0], dtype=dtype)
    for call, argument, op in ((lambda: tg.ops.full_like(x, value), "fill_value", "full_like"),
                               (lambda: x.masked_fill(np.array([True, False]), value), "value", "masked_fill"),
                               (lambda: tg.ops.pad(x, ((1, 1),), value=value), "value", "pad")):
        with pytest.raises(ValueError) as caught:
            call()
        assert str(caught.value) == f"Invalid value for argument `{argument}` of {op}: {said}"


def test_masked_fill_refuses_a_rank0_tensor_value_its_dtype_cannot_hold():
    """A reviewer's finding: a rank-0 tensor value skipped the range check (int8 filled with tg.tensor(300) gave
    44, float16 with tg.tensor(1e5) inf); torch refuses both, as it refuses the numbers."""
    mask = np.array([True, False, True])
    for dtype, value, value_dtype in (("int8", 300, "int64"), ("float16", 1e5, "float32"),
                                      ("float32", 1e300, "float64")):
        with pytest.raises(RuntimeError, match="overflow"):
            torch.zeros(3, dtype=getattr(torch, dtype)).masked_fill(
                torch.as_tensor(mask), torch.tensor(value, dtype=getattr(torch, value_dtype)))
        with pytest.raises(ValueError, match="Invalid value for argument `value` of masked_fill: " +
                           re.escape(f"{value!r} is out of the range of {dtype} [")):
            tg.tensor([0, 0, 0], dtype=dtype).masked_fill(mask, tg.tensor(value, dtype=value_dtype))
    # values it holds (an infinity is one) are filled, as torch fills them
    for dtype, value, value_dtype in (("int8", 100, "int64"), ("float16", math.inf, "float32")):
        expected = torch.zeros(3, dtype=getattr(torch, dtype)).masked_fill(
            torch.as_tensor(mask), torch.tensor(value, dtype=getattr(torch, value_dtype)))
        got = tg.tensor([0, 0, 0], dtype=dtype).masked_fill(mask, tg.tensor(value, dtype=value_dtype))
        assert got.tolist() == expected.tolist() and dtype_name(got.dtype) == dtype


def test_masked_fill_op_refuses_a_float_mask_called_directly():
    x = tg.tensor([1.0, 2.0])
    with pytest.raises(TypeError, match="`mask`"):
        masking.MaskedFill.apply(x, tg.tensor([1.0, 0.0]), tg.tensor(0.0))
    with pytest.raises(ValueError, match="`value`"):
        masking.MaskedFill.apply(x, tg.tensor(np.array([True, False]), dtype="bool"), tg.tensor([0.0, 1.0]))


# ----------------------------------------------------------------------------------------------------- expand
@pytest.mark.parametrize("shape, sizes", [
    ((3, 1), (3, 4)), ((3, 1), (2, 3, 4)), ((3, 1), (-1, 4)), ((1, 3), (4, -1)), ((2, 3), (2, 3)),
    ((2, 3), (-1, -1)), ((2, 3), (0, 2, 3)), ((1, 3), (0, 3)), ((), (2, 3)), ((), ()), ((0, 1), (2, 0, 5)),
    ((2, 1, 1), (5, -1, 2, 3)),
])
def test_expand_matches_torch(shape, sizes, backend):
    ours, theirs = _pair(RNG.standard_normal(shape), backend=backend)
    got, expected = (ours.expand(*sizes), theirs.expand(*sizes)) if sizes else (ours.expand(()), theirs.expand(()))
    _same(got, expected)
    _backward_both(got, expected)
    _grads_same(ours, theirs)
    _same(tg.ops.expand(ours, sizes), theirs.expand(sizes))           # one tuple too
    _same(ours.expand(size=sizes), theirs.expand(size=sizes))         # torch's keyword


def test_expand_of_integers_bools_and_special_values():
    for dtype, data in (("int64", [[1], [2]]), ("bool", [[True], [False]]), ("uint8", [[255], [0]]),
                        ("float32", [[np.nan], [-0.0]]), ("float16", [[np.inf], [-np.inf]])):
        ours, theirs = _pair(data, dtype=dtype, requires_grad=False)
        _same(ours.expand(3, 2, 4), theirs.expand(3, 2, 4))


def test_expand_is_a_copy_that_can_be_written():
    """torch's expand is a view (stride 0); ours is a copy: writing into it changes neither x nor other elements."""
    x = tg.tensor([[1.0], [2.0]])
    y = x.expand(2, 3)
    y[0, 0] = 5.0
    assert y.tolist() == [[5.0, 1.0, 1.0], [2.0, 2.0, 2.0]] and x.tolist() == [[1.0], [2.0]]


def test_expand_finite_differences():
    x = tg.tensor(RNG.standard_normal((3, 1)), dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda a: a.expand(2, 3, 4) ** 3, x)


@pytest.mark.parametrize("sizes, error, words", [
    ((3, 3), ValueError, "only a dimension of size 1 can be expanded"),     # torch: "must match the existing size"
    ((3,), ValueError, "at least as many sizes"),
    ((-1, 2, 3), ValueError, "new leading dimension"),                      # torch refuses -1 there too
    ((2, -2), ValueError, "size -2"),
    ((2.0, 3), TypeError, "Invalid type for argument `sizes`"),
    ((True, 3), TypeError, "not a bool"),
    (("2", 3), TypeError, "Invalid type for argument `sizes`"),
])
def test_expand_refuses_bad_sizes(sizes, error, words):
    x = tg.tensor(X23)
    with pytest.raises(error) as info:
        x.expand(*sizes)
    assert words in str(info.value)
    with pytest.raises((RuntimeError, TypeError)):
        torch.tensor(X23).expand(*sizes)       # torch refuses each one too


def test_expand_refuses_sizes_given_twice_and_the_op_names_sizes():
    with pytest.raises(TypeError, match="`size`"):
        tg.tensor(X23).expand(2, 3, size=(2, 3))
    with pytest.raises(ValueError, match="`sizes`"):
        tiling.Expand.apply(tg.tensor(X23), sizes=(3, 3))


# ----------------------------------------------------------------------------------------------------- repeat
@pytest.mark.parametrize("shape, repeats", [
    ((2, 3), (2, 1)), ((2, 3), (2, 3)), ((2, 3), (2, 1, 2)), ((2, 3), (1, 1)), ((2, 3), (0, 2)), ((3,), (4,)),
    ((), ()), ((), (3,)), ((), (2, 2)), ((0, 2), (3, 2)), ((2, 1, 3), (1, 4, 1)),
])
def test_repeat_matches_torch(shape, repeats, backend):
    ours, theirs = _pair(RNG.standard_normal(shape), backend=backend)
    got, expected = ours.repeat(*repeats) if repeats else ours.repeat(()), theirs.repeat(*repeats or ((),))
    _same(got, expected)
    _backward_both(got, expected)
    _grads_same(ours, theirs)
    _same(tg.ops.repeat(ours, list(repeats)), theirs.repeat(list(repeats)))


def test_repeat_of_integers_bools_float16_and_special_values():
    for dtype, data in (("int64", [1, -2]), ("bool", [True, False]), ("int32", [7, 0]),
                        ("float32", [np.nan, -0.0]), ("float16", [np.inf, 65504.0])):
        ours, theirs = _pair(data, dtype=dtype, requires_grad=False)
        _same(ours.repeat(3, 2), theirs.repeat(3, 2))
    ours, theirs = _pair([0.1, 0.2, 0.3], dtype="float16")
    got, expected = ours.repeat(40, 3), theirs.repeat(40, 3)
    _same(got, expected)
    _backward_both(got, expected, dtype="float16")
    _grads_same(ours, theirs)          # summed in float32 and rounded once, as torch's


def test_repeat_finite_differences():
    x = tg.tensor(RNG.standard_normal((2, 3)), dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda a: a.repeat(2, 1, 2) ** 2, x)


@pytest.mark.parametrize("repeats, error, words", [
    ((2,), ValueError, "at least as many repeats"),         # torch: "can not be smaller than number of dimensions"
    ((-1, 1), ValueError, "integers >= 0"),
    ((2.0, 1), TypeError, "Invalid type for argument `repeats`"),
    ((), TypeError, "missing"),                              # torch: "missing 1 required positional arguments"
    ((None,), TypeError, "Invalid type for argument `repeats`"),
])
def test_repeat_refuses_bad_repeats(repeats, error, words):
    with pytest.raises(error) as info:
        tg.tensor(X23).repeat(*repeats)
    assert words in str(info.value)
    with pytest.raises((RuntimeError, TypeError)):
        torch.tensor(X23).repeat(*repeats)


# --------------------------------------------------------------------------------------------- chunk and split
@pytest.mark.parametrize("n, chunks", [(6, 2), (6, 4), (6, 5), (5, 3), (3, 4), (1, 1), (7, 7), (0, 3), (0, 1)])
@pytest.mark.parametrize("dim", [0, 1, -1])
def test_chunk_matches_torch(n, chunks, dim, backend):
    shape = (n, 2) if dim == 0 else (2, n)
    ours, theirs = _pair(RNG.standard_normal(shape), backend=backend)
    got, expected = ours.chunk(chunks, dim), theirs.chunk(chunks, dim)
    assert isinstance(got, tuple) and len(got) == len(expected)
    for g, e in zip(got, expected):
        _same(g, e)
    _backward_both(tg.ops.concat(list(got), axis=dim), torch.cat(expected, dim))
    _grads_same(ours, theirs, exact=True)


@pytest.mark.parametrize("n, sizes", [(6, 2), (5, 2), (3, 5), (3, 1), (4, [1, 3]), (4, (2, 0, 2)), (4, [4]),
                                      (0, 2), (0, 0), (0, [0, 0]), (0, [])])
@pytest.mark.parametrize("dim", [0, -1])
def test_split_matches_torch(n, sizes, dim, backend):
    shape = (n, 3) if dim == 0 else (3, n)
    ours, theirs = _pair(RNG.standard_normal(shape), backend=backend)
    got, expected = ours.split(sizes, dim), theirs.split(sizes, dim)
    assert isinstance(got, tuple) and len(got) == len(expected)
    for g, e in zip(got, expected):
        _same(g, e)
    if got:
        _backward_both(tg.ops.concat(list(got), axis=dim), torch.cat(expected, dim))
        _grads_same(ours, theirs, exact=True)
    assert [p.shape for p in tg.ops.split(ours, sizes, dim=dim)] == [p.shape for p in got]


def test_split_and_chunk_pieces_get_their_own_gradients():
    """Only some pieces used, each with its own weight: the gradient lands where each piece came from."""
    ours, theirs = _pair(np.arange(10.0).reshape(2, 5))
    a, _, c = ours.split([2, 1, 2], dim=1)
    ta, _, tc = theirs.split([2, 1, 2], dim=1)
    (a.sum() * 3 + (c * c).sum()).backward()
    (ta.sum() * 3 + (tc * tc).sum()).backward()
    _grads_same(ours, theirs, exact=True)
    ours, theirs = _pair(np.arange(7.0))
    ours.chunk(3)[-1].sum().backward()
    theirs.chunk(3)[-1].sum().backward()
    _grads_same(ours, theirs, exact=True)


def test_split_and_chunk_keep_integer_and_bool_dtypes():
    for dtype, data in (("int64", [[1, 2, 3], [4, 5, 6]]), ("bool", [[True, False, True], [False, True, True]])):
        ours, theirs = _pair(data, dtype=dtype, requires_grad=False)
        for g, e in zip(ours.split(2, 1), theirs.split(2, 1)):
            _same(g, e)
        for g, e in zip(ours.chunk(2), theirs.chunk(2)):
            _same(g, e)


def test_split_finite_differences():
    x = tg.tensor(RNG.standard_normal((3, 5)), dtype="float64", requires_grad=True)
    assert tg.gradcheck(lambda a: tg.ops.concat([p * (i + 1.0) for i, p in enumerate(a.split([2, 3], 1))], 1), x)
    assert tg.gradcheck(lambda a: tg.ops.stack([p.sum() ** 2 for p in a.chunk(2)]), x)


def test_split_takes_torchs_keyword_split_size():
    x = tg.tensor(X23)
    assert [p.shape for p in x.split(split_size=1, dim=0)] == [(1, 3), (1, 3)]
    with pytest.raises(TypeError, match="give the sizes once"):
        x.split(1, split_size=1)
    with pytest.raises(TypeError, match="missing"):
        x.split()


@pytest.mark.parametrize("call, error, words", [
    (lambda x: x.chunk(0), ValueError, "Invalid value for argument `chunks`"),       # torch: "greater than 0"
    (lambda x: x.chunk(-1), ValueError, "Invalid value for argument `chunks`"),
    (lambda x: x.chunk(2.0), TypeError, "Invalid type for argument `chunks`"),       # as torch
    (lambda x: x.chunk(True), TypeError, "not a bool"),                              # as torch
    (lambda x: x.chunk(2, 2), IndexError, "Dimension out of range"),
    (lambda x: x.chunk(2, 1.0), TypeError, "`dim`"),
    (lambda x: tg.tensor(1.0).chunk(1), ValueError, "at least 1 dimension"),         # torch: RuntimeError
    (lambda x: x.split([1, 1], 1), ValueError, "must add up to 3"),
    (lambda x: x.split([], 1), ValueError, "must add up to 3"),
    (lambda x: x.split(0, 1), ValueError, "a size of 0 cuts only a dimension of size 0"),
    (lambda x: x.split(-1), ValueError, "Invalid value for argument `split_size_or_sections`"),
    (lambda x: x.split([2, -1, 2], 1), ValueError, "Invalid value for argument `split_size_or_sections`"),
    (lambda x: x.split(2.0, 1), TypeError, "Invalid type for argument `split_size_or_sections`"),
    (lambda x: x.split([1.0, 2.0], 1), TypeError, "Invalid type for argument `split_size_or_sections`"),
    (lambda x: x.split("2"), TypeError, "Invalid type for argument `split_size_or_sections`"),
    (lambda x: x.split(1, -3), IndexError, "Dimension out of range"),
    (lambda x: tg.tensor(1.0).split(1), ValueError, "at least 1 dimension"),
])
def test_chunk_and_split_refuse_bad_arguments(call, error, words):
    with pytest.raises(error) as info:
        call(tg.tensor(X23))
    assert words in str(info.value)


# ------------------------------------------------------------------------------------------------------- norm
INF = math.inf
NORM_DATA = np.array([[3.0, -4.0, 0.0, 1.5], [0.0, 0.0, 0.0, 0.0], [-0.0, 2.0, -2.0, 0.5]])


@pytest.mark.parametrize("p", ["fro", None, 2, 1, INF, -INF, 0, 0.5, 3, -1, -2, 1.5, 2.5])
@pytest.mark.parametrize("dim, keepdim", [(None, False), (None, True), (1, False), (-1, True), ((0, 1), False),
                                          (0, False), ((), False), ([1, 0], True)])
def test_norm_matches_torch(p, dim, keepdim, backend):
    ours, theirs = _pair(NORM_DATA, backend=backend)
    got, expected = ours.norm(p, dim, keepdim), theirs.norm(p, dim, keepdim)
    _same(got, expected, exact=False)
    _backward_both(got, expected)
    if theirs.grad is None:            # torch's p=0 has no gradient (None): nor has ours (s51)
        assert p == 0 and ours.grad is None
    else:
        _grads_same(ours, theirs)


@pytest.mark.parametrize("p", [2, 1, INF, -INF, 0, 0.5, 3, -1, 1.5])
@pytest.mark.parametrize("row", [[0.0, 0.0, 0.0], [np.nan, 1.0, 0.0], [np.inf, 1.0, -2.0], [-np.inf, np.inf, 0.0],
                                 [1e200, 1e200, 1.0], [1e-200, -1e-200, 0.0], [-0.0, -0.0, 0.0], [2.0, -2.0, 1.0]])
def test_vector_norm_at_zeros_nan_inf_and_overflow_matches_torch(p, row, backend):
    """torch's subgradients: 0 at an all-zero input, sign(0) = 0 and sign(nan) = 0, ties of inf sharing it."""
    ours, theirs = _pair(row, backend=backend)
    got, expected = tg.ops.vector_norm(ours, p), torch.linalg.vector_norm(theirs, p)
    _same(got, expected, exact=False)
    got.backward()
    expected.backward()
    if theirs.grad is None:
        assert p == 0 and ours.grad is None
    else:
        _grads_same(ours, theirs)


def test_norm_of_rank0_and_empty_tensors_matches_torch():
    for p in (2, 1, INF, 0, 3, -1):
        ours, theirs = _pair(np.asarray(-1.5))
        got, expected = ours.norm(p), theirs.norm(p)
        _same(got, expected, exact=False)
        got.backward()
        expected.backward()
        if theirs.grad is not None:
            _grads_same(ours, theirs)
    for p, dim in ((2, None), (1, 0), (0, None), (INF, 1), (-INF, 1), (-1, 1), (2, 1)):
        ours, theirs = _pair(np.zeros((0, 3)))
        _same(ours.norm(p, dim), theirs.norm(p, dim))


@pytest.mark.parametrize("p, dim", [(INF, None), (-INF, None), (-1, None), (INF, 0), (-0.5, 0)])
def test_norm_of_an_empty_dimension_without_identity_is_refused_as_torch(p, dim):
    with pytest.raises(RuntimeError, match="empty"):
        torch.zeros((0, 3)).norm(p, dim)
    with pytest.raises(ValueError, match="Invalid value for argument `ord`.*empty"):
        tg.tensor(np.zeros((0, 3))).norm(p, dim)


def test_norm_dtypes_match_torch():
    for dtype in ("float32", "float16"):
        ours, theirs = _pair([[0.1, 2.0, -3.0], [300.0, 0.5, 0.0]], dtype=dtype)
        for p in (2, 1, INF, 3):
            got, expected = ours.norm(p, dim=1), theirs.norm(p, dim=1)
            assert dtype_name(got.dtype) == dtype
            np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=2e-3 if dtype == "float16"
                                       else 1e-6)
    # float16: computed in float32 and rounded once, so 300 squared does not overflow (as torch)
    assert tg.tensor([300.0, 400.0], dtype="float16").norm().item() == 500.0
    assert torch.tensor([300.0, 400.0], dtype=torch.float16).norm().item() == 500.0


def test_norm_gradient_of_float16_is_computed_in_float32_where_torchs_overflows():
    """A documented difference: torch's float16 backward computes 300 ** 2 in float16 (inf) and gives NaN."""
    ours, theirs = _pair([300.0, 0.5], dtype="float16")
    ours.norm(3).backward()
    theirs.norm(3).backward()
    assert math.isnan(theirs.grad[0].item()) and theirs.grad[1].item() == 0.0
    x = np.array([300.0, 0.5])                              # the exact gradient, x ** 2 / norm ** 2, in float64
    expected = (x**2 / np.sum(x**3) ** (2 / 3)).astype(np.float16)
    np.testing.assert_array_equal(ours.grad.numpy(), expected)


def test_norm_finite_differences():
    x = tg.tensor(RNG.standard_normal((3, 4)), dtype="float64", requires_grad=True)
    for p in (2, 1, 3, 0.5, -1.5, INF, -INF, "fro"):
        assert tg.gradcheck(lambda a, p=p: a.norm(p, dim=1) ** 2, x)
    assert tg.gradcheck(lambda a: tg.ops.vector_norm(a, 2.5, dim=(0, 1), keepdim=True), x)


@pytest.mark.parametrize("call, error, words", [
    (lambda x: tg.tensor([3, 4], dtype="int64").norm(), TypeError, "floating-point tensor"),     # as torch
    (lambda x: tg.tensor([True], dtype="bool").norm(), TypeError, "floating-point tensor"),
    (lambda x: x.norm("nuc"), ValueError, "nuclear norm"),
    (lambda x: x.norm("abc"), ValueError, "Invalid value for argument `p`"),
    (lambda x: x.norm(True), TypeError, "Invalid type for argument `p`"),        # torch reads True as 1
    (lambda x: x.norm(float("nan")), ValueError, "not NaN"),
    (lambda x: x.norm([2]), TypeError, "Invalid type for argument `p`"),
    (lambda x: tg.tensor(np.zeros((2, 2, 2))).norm("fro", (0, 1, 2)), ValueError, "at most 2 dimensions"),
    (lambda x: x.norm(2, 2), IndexError, "Dimension out of range"),
    (lambda x: x.norm(2, (0, 0)), ValueError, "repeated"),
    (lambda x: x.norm(2, 1.0), TypeError, "`dim`"),
    (lambda x: x.norm(2, 1, keepdim=1), TypeError, "`keepdim`"),
    (lambda x: tg.ops.vector_norm(x, "fro"), TypeError, "Invalid type for argument `ord`"),     # as torch
])
def test_norm_refuses_bad_arguments(call, error, words):
    with pytest.raises(error) as info:
        call(tg.tensor(X23))
    assert words in str(info.value)


def test_vector_norm_op_checks_its_attributes():
    x = tg.tensor(X23)
    with pytest.raises(TypeError, match="`ord`"):
        norms.VectorNorm.apply(x, ord="fro", axes=None, keepdims=False)
    with pytest.raises(TypeError, match="`keepdims`"):
        norms.VectorNorm.apply(x, ord=2.0, axes=None, keepdims=None)


def test_the_functions_are_exported_and_tg_hints_at_them():
    for name in ("masked_fill", "expand", "repeat", "chunk", "split", "norm", "vector_norm"):
        assert callable(getattr(tg.ops, name))
    assert tg.ops.split is splitting.split and tg.ops.vector_norm is norms.vector_norm
    with pytest.raises(AttributeError, match=r"tg\.ops\.vector_norm"):
        tg.linalg  # noqa: B018 (the attribute access is the test)
    with pytest.raises(AttributeError, match=r"tg\.ops\.masked_fill.*x\.masked_fill"):
        tg.masked_fill  # noqa: B018
