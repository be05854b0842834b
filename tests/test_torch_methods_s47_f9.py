"""A reviewer's findings (session 47, f9): ``sub(alpha=)`` took the sign of a zero from ``x - alpha * y`` where
PyTorch computes ``x + (-alpha) * y`` (an integer ``alpha`` of 0 negates to ``+0``); ``narrow`` took no 0-d
tensor ``length``; ``unflatten``'s errors named the wrong argument and the wrong rule; ``view_as`` and ``expand_as``
against PyTorch's views."""
import math

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of these methods")

_X = [-0.0, -0.0, 0.0, 0.0]
_Y = [0.0, -0.0, 0.0, -0.0]


def _signs(values):
    return [math.copysign(1.0, v) for v in values]


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("alpha", [0, np.int64(0), 0.0, -0.0, np.float32(-0.0), 2, -0.5, 0.1])
@pytest.mark.parametrize("other", ["tensor", 0.0, -0.0])
@pytest.mark.parametrize("mode", ["no graph", "graph", "in place"])
def test_sub_alpha_signed_zeros_as_torch(dtype, alpha, other, mode):
    x = tg.tensor(np.array(_X, dtype=dtype), requires_grad=mode == "graph")
    tx = torch.tensor(_X, dtype=getattr(torch, dtype))
    if other == "tensor":
        y, ty = tg.tensor(np.array(_Y, dtype=dtype)), torch.tensor(_Y, dtype=getattr(torch, dtype))
    else:
        y = ty = other
    if mode == "in place":
        ours, theirs = x.sub_(y, alpha=alpha), tx.sub_(ty, alpha=alpha)
    else:
        ours, theirs = x.sub(y, alpha=alpha), tx.sub(ty, alpha=alpha)
    assert ours.tolist() == theirs.tolist()
    assert _signs(ours.tolist()) == _signs(theirs.tolist())


def test_sub_integer_zero_alpha_reviewer_case():
    x, y = [-0.0, -0.0], [0.0, -0.0]
    ours = tg.tensor(np.array(x)).sub(tg.tensor(np.array(y)), alpha=0).tolist()
    assert _signs(ours) == [1.0, -1.0]       # torch: [0.0, -0.0] (x + 0 * y)


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("alpha", [0, 2, -4, 0.1, 3])
def test_sub_alpha_values_as_torch(dtype, alpha):
    rng = np.random.default_rng(3)
    # 1024 elements on one thread: no float16 elements left over by PyTorch's vector loop (rounded twice there)
    x, y = rng.standard_normal(1024).astype(dtype), rng.standard_normal(1024).astype(dtype)
    ours = tg.tensor(x).sub(tg.tensor(y), alpha=alpha).numpy()
    threads = torch.get_num_threads()
    torch.set_num_threads(1)
    try:
        theirs = torch.from_numpy(x).sub(torch.from_numpy(y), alpha=alpha).numpy()
    finally:
        torch.set_num_threads(threads)
    np.testing.assert_array_equal(ours, theirs)


@pytest.mark.parametrize("dtype", ["int64", "int32", "uint8"])
def test_narrow_takes_0d_integer_tensor_length_as_torch(dtype):
    data = np.arange(6.0).reshape(2, 3)
    ours = tg.tensor(data).narrow(1, 0, tg.tensor(1, dtype=dtype)).tolist()
    theirs = torch.tensor(data).narrow(1, 0, torch.tensor(1, dtype=getattr(torch, dtype))).tolist()
    assert ours == theirs == [[0.0], [3.0]]
    both = tg.tensor(data).narrow(1, tg.tensor(1, dtype=dtype), tg.tensor(2, dtype=dtype)).tolist()
    assert both == torch.tensor(data).narrow(1, torch.tensor(1), torch.tensor(2)).tolist()


def test_narrow_refuses_float_tensor_length_as_torch():
    with pytest.raises(TypeError):
        torch.zeros(2, 3).narrow(1, 0, torch.tensor(1.0))
    with pytest.raises(TypeError, match=r"Invalid type for argument `length` of narrow: expected an int or an "
                                        r"integer tensor of one element"):
        tg.tensor(np.zeros((2, 3))).narrow(1, 0, tg.tensor(1.0))


@pytest.mark.parametrize("sizes", [(2.0, 2), (True, 4)])
def test_unflatten_type_error_names_sizes(sizes):
    with pytest.raises(TypeError, match="must be tuple of ints"):
        torch.zeros(3, 4).unflatten(-1, sizes)
    with pytest.raises(TypeError, match=r"Invalid type for argument `sizes` of unflatten: .* Received sizes="
                                        r".* whose element 0 is of type"):
        tg.tensor(np.zeros((3, 4))).unflatten(-1, sizes)


@pytest.mark.parametrize("sizes, words", [((-2, -2), "invalid shape dimension -2"), ((-3, 2), "invalid shape"),
                                          ((-1, -1), "only one dimension can be inferred")])
def test_unflatten_negative_sizes_say_the_rule(sizes, words):
    with pytest.raises(RuntimeError, match=words):
        torch.zeros(3, 4).unflatten(-1, sizes)
    with pytest.raises(ValueError, match=r"Invalid value for argument `sizes` of unflatten: each size must be 0 or "
                                         r"more, or one of them -1"):
        tg.tensor(np.zeros((3, 4))).unflatten(-1, sizes)


@pytest.mark.parametrize("sizes", [(3, -1), (2, 3), (0, -1)])
def test_unflatten_product_error_unchanged(sizes):
    with pytest.raises(RuntimeError, match="don't multiply up to the size"):
        torch.zeros(3, 4).unflatten(-1, sizes)
    with pytest.raises(ValueError, match="multiply up to the size 4"):
        tg.tensor(np.zeros((3, 4))).unflatten(-1, sizes)


def test_view_as_copies_a_non_contiguous_tensor_as_view_does():
    data = np.arange(24.0).reshape(2, 3, 4)
    with pytest.raises(RuntimeError, match="view size is not compatible"):     # PyTorch refuses it
        torch.tensor(data).swapaxes(0, 2).view_as(torch.tensor(data).reshape(24))
    x = tg.tensor(data)
    ours = x.swapaxes(0, 2).view_as(x.reshape(24))
    # the documented difference: a copy with reshape's values, as x.swapaxes(0, 2).view(24) gives
    assert ours.tolist() == torch.tensor(data).swapaxes(0, 2).reshape(24).tolist()
    assert ours.tolist() == x.swapaxes(0, 2).view(24).tolist()


def test_expand_as_write_under_no_grad_is_a_copy_as_expand():
    with torch.no_grad(), pytest.raises(RuntimeError, match="more than one element of the written-to tensor"):
        torch.tensor([[1.0], [2.0]]).expand_as(torch.zeros(2, 3)).mul_(0.0)
    x = tg.tensor([[1.0], [2.0]])
    with tg.no_grad():
        written = x.expand_as(tg.tensor(np.zeros((2, 3)))).mul_(0.0)
        x.expand(2, 3).mul_(0.0)
    assert written.tolist() == [[0.0] * 3] * 2
    assert x.tolist() == [[1.0], [2.0]]       # documented: the base unchanged (a copy), as with expand


def _same_float16(ours, theirs):
    ours, theirs = np.asarray(ours), np.asarray(theirs)
    return bool(np.all((ours.view(np.uint16) == theirs.view(np.uint16)) | (np.isnan(ours) & np.isnan(theirs))))


@pytest.mark.parametrize("spelling", ["//", "div floor", "number // x", "broadcast"])
def test_float16_floor_division_in_float32_steps_is_torch_bit_for_bit(spelling):
    rng = np.random.default_rng(11)
    every = np.arange(2**16, dtype=np.uint16).view(np.float16)        # every float16, infinities and NaNs too
    a, b = np.repeat(every, 3), rng.choice(every, 3 * 2**16)
    ta, tb = torch.from_numpy(a), torch.from_numpy(b)
    if spelling == "//":
        ours, theirs = tg.tensor(a) // tg.tensor(b), ta // tb
    elif spelling == "div floor":
        ours, theirs = tg.tensor(a).div(tg.tensor(b), rounding_mode="floor"), ta.div(tb, rounding_mode="floor")
    elif spelling == "number // x":
        ours, theirs = 2.5 // tg.tensor(b), 2.5 // tb
    else:
        a2, b2 = a[:600].reshape(20, 30), b[:30]
        ours, theirs = tg.tensor(a2) // tg.tensor(b2), torch.from_numpy(a2) // torch.from_numpy(b2)
    assert _same_float16(ours.numpy(), theirs.numpy())
