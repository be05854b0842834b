"""``@`` with operands of two float dtypes promotes as the element-wise operators do, in every arrangement, with
each gradient in its own input's dtype; indexing with integers beside arrays follows PyTorch's rule (the integers
first, the arrays after), values and gradients. Found by a tester; compared with PyTorch throughout (skipped,
visibly, without it)."""
import numpy as np
import pytest
from helpers import tensor_on

import tinygradconv as tg
from tinygradconv.backend import dtype_name

torch = pytest.importorskip("torch", reason="the references are PyTorch's results")

# The documented promotion of two float dtypes (the wider one), as `a * b` gives it.
WIDER = {("float16", "float32"): "float32", ("float32", "float16"): "float32",
         ("float16", "float64"): "float64", ("float64", "float16"): "float64",
         ("float32", "float64"): "float64", ("float64", "float32"): "float64"}


def _exact(rng, shape, dtype, scale=64):
    """Multiples of 1/scale in [-6.25, 6.25]: held exactly by float16, and their sums of a few products exactly by
    float32, so that every summation order gives the same bits."""
    return (rng.integers(-400, 401, shape) / scale).astype(dtype)


def _operands(a, b, da, db, arrangement, backend="numpy"):
    """``a`` and ``b`` as the operands of ``@``: both tensors, a tensor and a NumPy array, or the other way."""
    ta = tensor_on(a, backend, dtype=da, requires_grad=True)
    tb = tensor_on(b, backend, dtype=db, requires_grad=True)
    if arrangement == "tensor @ ndarray":
        return ta, b, (ta, None)
    if arrangement == "ndarray @ tensor":
        return a, tb, (None, tb)
    return ta, tb, (ta, tb)


def test_the_testers_float16_at_float32_is_float32_in_either_order():
    a = tg.tensor(np.full((2, 3), 1.0001), dtype="float16")
    b = tg.tensor(np.full((3, 2), 3000.123), dtype="float32")
    # float16(1.0001) is 1.0 and float32(3000.123) is 3000.123046875: three of them add to 9000.369140625 in float32
    # (the float16 result was 9000.0, in either dtype a different number)
    assert str((a @ b).dtype) == str((b.T @ a.T).dtype) == "float32"
    assert (a @ b).tolist() == [[9000.369140625] * 2] * 2 == (b.T @ a.T).T.tolist()
    ta, tb = torch.tensor(a.numpy()), torch.tensor(b.numpy())
    np.testing.assert_array_equal((a @ b).numpy(), (ta.float() @ tb).numpy())
    assert str((a @ tg.tensor(np.ones((3, 2)))).dtype) == "float64"
    assert str((a @ np.ones((3, 2))).dtype) == "float64"
    assert str((np.ones((2, 3), np.float16) @ b).dtype) == "float32"


@pytest.mark.parametrize("arrangement", ["tensor @ tensor", "tensor @ ndarray", "ndarray @ tensor"])
@pytest.mark.parametrize("da, db", sorted(WIDER))
@pytest.mark.parametrize("shapes", [((2, 3), (3, 4)), ((2, 5, 3), (3, 4)), ((3,), (3, 4)), ((2, 3), (3,)),
                                    ((3,), (3,)), ((2, 1, 2, 3), (4, 3, 2))])
def test_mixed_float_matmul_promotes_and_matches_torch(arrangement, da, db, shapes):
    """The wider dtype in all three arrangements (the float16 one was float16 whenever it stood on the left); the
    values are PyTorch's product of both operands cast to it (torch's matmul refuses two dtypes), and each gradient
    is that product's gradient rounded once to the input's own dtype, as for ``a * b``."""
    rng = np.random.default_rng(0)
    a, b = _exact(rng, shapes[0], da), _exact(rng, shapes[1], db)
    left, right, (ta, tb) = _operands(a, b, da, db, arrangement)
    wide = WIDER[da, db]
    y = left @ right
    assert dtype_name(y.dtype) == wide
    pa, pb = (torch.tensor(v, requires_grad=True) for v in (a, b))
    py = pa.to(getattr(torch, wide)) @ pb.to(getattr(torch, wide))
    np.testing.assert_array_equal(y.numpy(), py.detach().numpy())
    g = _exact(rng, py.shape, wide, scale=16)
    y.backward(tg.tensor(g, dtype=wide))
    py.backward(torch.tensor(g))
    for ours, theirs, dtype in ((ta, pa, da), (tb, pb, db)):
        if ours is not None:
            assert dtype_name(ours.grad.dtype) == dtype
            np.testing.assert_array_equal(ours.grad.numpy(), theirs.grad.numpy())


@pytest.mark.parametrize("da, db", [("float32", "float64"), ("float64", "float32")])
def test_mixed_float_matmul_on_every_backend(da, db, backend):
    """float32 with float64 (array_api_strict has no float16): float64, and the gradients in their own dtypes."""
    rng = np.random.default_rng(1)
    a, b = _exact(rng, (5, 3), da), _exact(rng, (3, 4), db)
    ta, tb = tensor_on(a, backend, dtype=da, requires_grad=True), tensor_on(b, backend, dtype=db, requires_grad=True)
    y = ta @ tb
    assert dtype_name(y.dtype) == dtype_name((tb.T @ ta.T).dtype) == "float64"
    pa, pb = torch.tensor(a, requires_grad=True), torch.tensor(b, requires_grad=True)
    py = pa.double() @ pb.double()
    np.testing.assert_array_equal(y.numpy(), py.detach().numpy())
    y.sum().backward()
    py.sum().backward()
    assert (dtype_name(ta.grad.dtype), dtype_name(tb.grad.dtype)) == (da, db)
    np.testing.assert_array_equal(ta.grad.numpy(), pa.grad.numpy())
    np.testing.assert_array_equal(tb.grad.numpy(), pb.grad.numpy())


def test_float16_at_float16_still_accumulates_in_float32():
    """Two float16 operands: float16, each result the float32 sum rounded once (2048 + 1 + 1 is 2050 there; added
    in float16 it would be 2048), as PyTorch's CPU kernel."""
    a = tg.tensor([[2048.0, 1.0, 1.0]], dtype="float16", requires_grad=True)
    b = tg.tensor([[1.0], [1.0], [1.0]], dtype="float16")
    y = a @ b
    assert str(y.dtype) == "float16" and y.tolist() == [[2050.0]]
    assert y.tolist() == (torch.tensor(a.numpy()) @ torch.tensor(b.numpy())).tolist()


# ------------------------------------------------------------------------------------------- indexing
SHAPE = (2, 3, 4, 5)


def _torch_index(t, index, shape):
    """``t[index]`` in PyTorch, with each slice of negative step (which PyTorch refuses) spelled as a flip of its
    axis and a slice of positive step, and NumPy arrays as tensors."""
    widths = [0 if i is None or i is Ellipsis or isinstance(i, bool) else
              (i.ndim if isinstance(i, np.ndarray) and i.dtype == bool else 1) for i in index]
    out, axis = [], 0
    for item, width in zip(index, widths):
        if item is Ellipsis:
            axis += len(shape) - sum(widths)
        elif isinstance(item, slice) and (item.step or 1) < 0:
            n = shape[axis]
            picks = range(*item.indices(n))
            t = torch.flip(t, (axis,))
            if len(picks):  # element i is at n - 1 - i once flipped
                start = n - 1 - picks[0]
                item = slice(start, start + (len(picks) - 1) * -item.step + 1, -item.step)
            else:
                item = slice(0, 0)
        elif isinstance(item, np.ndarray):
            item = torch.as_tensor(item)
        out.append(item)
        axis += width
    return t[tuple(out)]


def _random_index(rng):
    """A random index for a tensor of ``SHAPE``: integers (negative ones, 0-d integer arrays), slices (negative
    steps, out-of-range bounds), integer arrays (repeated and negative entries, 2-D ones), boolean masks over one or
    two axes, ``None``, ``...`` and Python bools, in any order; None when it would index more axes than there are."""
    kinds = ["int", "int", "slice", "slice", "array", "array", "mask", "mask2", "none", "ellipsis", "bool", "int0d"]
    chosen = [kinds[k] for k in rng.integers(0, len(kinds), int(rng.integers(1, 6)))]
    if chosen.count("ellipsis") > 1:
        return None
    width = {"none": 0, "bool": 0, "ellipsis": 0, "mask2": 2}
    spare = len(SHAPE) - sum(width.get(k, 1) for k in chosen)    # the axes an `...` covers
    if spare < 0:
        return None
    index, axis = [], 0
    for kind in chosen:
        n = SHAPE[axis] if axis < len(SHAPE) else 0
        if kind == "ellipsis":
            index.append(Ellipsis)
        elif kind == "none":
            index.append(None)
        elif kind == "bool":
            index.append(bool(rng.integers(0, 4)))     # mostly True
        elif kind in ("int", "int0d"):
            value = int(rng.integers(-n, n))
            index.append(value if kind == "int" else np.array(value))
        elif kind == "slice":
            start, stop = (None if rng.random() < 0.4 else int(rng.integers(-n - 2, n + 2)) for _ in range(2))
            index.append(slice(start, stop, [None, 1, 2, -1, -2][int(rng.integers(0, 5))]))
        elif kind == "array":
            shape = (int(rng.integers(1, 4)),) if rng.random() < 0.7 else (2, 2)
            index.append(rng.integers(-n, n, shape))  # repeats likely: their gradients must add up
        else:
            index.append(rng.random(SHAPE[axis:axis + width.get(kind, 1)]) < 0.5)
        axis += spare if kind == "ellipsis" else width.get(kind, 1)
    return tuple(index)


def _indices(count, seed):
    rng = np.random.default_rng(seed)
    found = []
    while len(found) < count:
        index = _random_index(rng)
        if index is not None:
            found.append(index)
    return found


def _compare_with_torch(index, backend="numpy", shape=SHAPE):
    """``t[index]`` against PyTorch's, values and the gradient of a random upstream gradient, for a tensor of
    ``shape`` on ``backend``; the error's text (and no comparison) when PyTorch refuses the index, as must we, with
    an ``IndexError``."""
    x = np.random.default_rng(3).standard_normal(shape)
    t, reference = tensor_on(x, backend, requires_grad=True), torch.tensor(x, requires_grad=True)
    try:
        expected = _torch_index(reference, index, shape)
    except (IndexError, RuntimeError) as exc:  # e.g. arrays that do not broadcast together: refused by both
        with pytest.raises(IndexError):
            t[index]
        return str(exc)
    out = t[index]
    assert out.shape == tuple(expected.shape), (index, out.shape, tuple(expected.shape))
    np.testing.assert_array_equal(out.numpy(), expected.detach().numpy())
    upstream = np.random.default_rng(4).standard_normal(out.shape)
    (out * tensor_on(upstream, backend)).sum().backward()
    (expected * torch.tensor(upstream)).sum().backward()
    np.testing.assert_allclose(t.grad.numpy(), reference.grad.numpy(), rtol=1e-12, atol=1e-12)
    return None


@pytest.mark.parametrize("index", [
    (0, slice(None), [1, 1]),           # the tester's (NumPy: (2, 3, 5) here, PyTorch (3, 2, 5))
    (0, slice(None), [1, 1], 2),
    (slice(None), 0, [1, 2]),
    ([0], slice(None), 1),
    ([0, 1], slice(None), [1, 2]),
    (-1, None, [2, 0, 2]),
    (0, Ellipsis, [4, -1]),
    (1, slice(None, None, -1), np.array([True, False, True, True])),
    (np.array(1), slice(None), [3, 3]),                 # a 0-d integer array: an integer in PyTorch
    (slice(None), [0, 1], Ellipsis, [1, 4]),            # an `...` over no axis is between nothing
    (slice(None), np.arange(12).reshape(3, 4) % 7 == 1, Ellipsis, [0, 4]),   # a mask with two True
    (0, slice(1, None), True, [[0, 3], [3, 3]]),
    (0, slice(None), False, [1]),
    (1, [0, 2], -2),
])
def test_mixed_indices_follow_torch(index):
    assert _compare_with_torch(index) is None


def test_the_testers_mixed_index():
    x = np.arange(24.0).reshape(2, 3, 4)
    t, reference = tg.tensor(x, requires_grad=True), torch.tensor(x, requires_grad=True)
    assert x[0, :, [1, 1]].shape == (2, 3)      # NumPy's rule: the integer 0 is an array, set apart by the slice
    assert t[0, :, [1, 1]].shape == tuple(reference[0, :, [1, 1]].shape) == (3, 2)
    assert t[0, :, [1, 1]].tolist() == [[1.0, 1.0], [5.0, 5.0], [9.0, 9.0]] == reference[0, :, [1, 1]].tolist()
    (t[0, :, [1, 1]] * tg.tensor([[1.0, 10.0]] * 3, dtype="float64")).sum().backward()
    assert t.grad[0].tolist() == [[0.0, 11.0, 0.0, 0.0]] * 3 and t.grad[1].tolist() == [[0.0] * 4] * 3
    for index in [(slice(None), 0, [1, 2]), ([0], slice(None), 1), ([0, 1], slice(None), [1, 2])]:  # as before
        assert t[index].shape == tuple(reference[index].shape) == x[index].shape


@pytest.mark.parametrize("chunk", range(8))
def test_generated_indices_match_torch(chunk, backend):
    """Values, shapes and the gradient of a random upstream gradient, for 400 generated indices (50 a chunk), on
    every backend (array_api_strict raised its own errors for more than half of them: Python bools, ``...`` or
    ``None`` beside an array, masks beside anything, several arrays)."""
    refused = 0
    for index in _indices(400, seed=7)[chunk * 50:(chunk + 1) * 50]:
        refused += _compare_with_torch(index, backend) is not None
    assert refused < 25, "most generated indices must be valid ones"


@pytest.mark.parametrize("index", [(0, slice(None), [1, 1]), (np.array(0), slice(1, None), [-1, 0, -1]),
                                   (1, slice(None), slice(None), [3, 0]), (slice(None), -1, [2, 2]), (0, [2, 0])])
def test_integers_beside_one_array_on_every_backend(index, backend):
    """With the integers applied first, one integer array among whole slices is left: that works on every
    backend (on array_api_strict ``x[0, [2, 0]]`` was refused)."""
    assert _compare_with_torch(index, backend) is None


MASK = np.array([False, True])      # over the first axis of a (2, 3, 4) tensor


@pytest.mark.parametrize("index, shape", [
    ((True,), (1, 2, 3, 4)), ((0, True), (1, 3, 4)), ((Ellipsis, False), (2, 3, 4, 0)),   # Python bools
    ((np.array(True), 1), (1, 3, 4)), ((False, [1]), (0, 3, 4)), ((True, [0, 1]), (2, 3, 4)),
    ((Ellipsis, [1, 3]), (2, 3, 2)), ((slice(None), slice(None), [1, 3]), (2, 3, 2)),     # `...` as whole slices
    ((None, [1, 0]), (1, 2, 3, 4)), ((Ellipsis, None, [2, 2, 0]), (2, 3, 1, 3)),          # None beside an array
    ((MASK, None), (1, 1, 3, 4)), ((None, MASK), (1, 1, 3, 4)), ((MASK, Ellipsis, None), (1, 3, 4, 1)),
    ((slice(None), [True, False, True]), (2, 2, 4)), ((Ellipsis, [True, True, False, True]), (2, 3, 3)),
    ((np.arange(6).reshape(2, 3) % 5 == 0,), (2, 4)), ((slice(None), np.arange(12).reshape(3, 4) % 5 == 0), (2, 3)),
    (([[0], [1]], slice(1, None), [3, 0]), (2, 2, 2)), (([1, 0], slice(None, None, 2), [3, 3]), (2, 2)),
    (([1, 1], [2, 0], [-1, 0]), (2,)), ((MASK, [2, 0]), (2, 4)), ((MASK, Ellipsis, [3, 3, 1]), (3, 3)),
    (([[1], [0]], None, [2, 0, 1]), (2, 3, 1, 4)), ((slice(None), [[2, 0]], Ellipsis), (2, 1, 2, 4)),
])
def test_the_testers_array_api_strict_indices_match_torch(index, shape, backend):
    """The tester's indices on array_api_strict (its own IndexError for a Python bool, a refusal of ``...`` or
    ``None`` beside an array, "masking is only specified..." for a mask beside ``None``), and masks and several
    arrays that it also refused: PyTorch's shapes, values and gradients on every backend."""
    x = np.zeros((2, 3, 4))
    assert tuple(_torch_index(torch.tensor(x), index, x.shape).shape) == shape
    assert tg.tensor(x, backend=backend)[index].shape == shape
    assert _compare_with_torch(index, backend, shape=x.shape) is None


@pytest.mark.parametrize("index", [([0, 1], [0, 1, 2]), (False, [1, 0]), ([[0, 1]], Ellipsis, [0, 1, 2])])
def test_arrays_that_do_not_broadcast_are_our_index_error(index, backend):
    """Refused as by PyTorch, with an ``IndexError`` that says why (array_api_strict's would not)."""
    with pytest.raises(IndexError, match="broadcast"):
        tg.tensor(np.zeros((2, 3, 4)), backend=backend)[index]
    with pytest.raises(IndexError):
        torch.zeros(2, 3, 4)[tuple(torch.tensor(i) if isinstance(i, list) else i for i in index)]


@pytest.mark.parametrize("index", [(False, [5]), ([5], False), (False, slice(None), [9]), (0, False, [7])])
def test_out_of_range_picks_that_a_false_empties_are_not_checked_as_in_torch(index, backend):
    """A Python ``False`` broadcasts the index arrays to nothing: PyTorch makes no pick and checks no range, so
    ``x[False, [5]]`` of 3 rows is empty; it was refused as out of range (noted in session 37). Shapes, values and
    gradients against torch; an integer is still checked, and so is an array beside ``True``."""
    assert _compare_with_torch(index, backend, shape=(3, 4, 2)) is None
    for checked in ((False, 5), (True, [5])):
        with pytest.raises(IndexError, match="out of range"):
            tg.tensor(np.zeros((3, 4, 2)), backend=backend)[checked]
