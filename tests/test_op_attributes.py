"""Every registered op checks its own attributes in ``forward``, so calling ``Function.apply`` directly fails as
clearly as the functional wrappers: a ``ValueError``/``TypeError`` of the package naming the argument, never an
``IndexError``, NumPy ``AxisError`` or ``AttributeError`` from deep inside, and never a silently wrong result.
(Indexing out of range, or with more indices than axes (``((1, 2),) * 5`` is five integer lists), is an
``IndexError``, as in PyTorch and Python, with our own message naming the index or the shape.)
"""
import numpy as np
import pytest

import tinygradconv as tg
import tinygradconv.activations  # registers erf
import tinygradconv.losses
import tinygradconv.ops  # registers every built-in op
from tinygradconv.autograd import OPS
from tinygradconv.checks import sample_inputs
from tinygradconv.ops import elementwise, nn, reduction, shape

BAD_VALUES = ["a", 2.5, True, object(), 99, -99, (99,), (2.5,), None, ((1, 2),) * 5, [0.5, "b"]]
WITH_ATTRIBUTES = sorted(name for name, info in OPS.items()
                         if any(s.kwargs for s in info.samples(np.random.default_rng(0))))


def _names_the_argument(message, name):
    message = message.lower()
    return name in message or (name == "axes" and "axis" in message)


@pytest.mark.parametrize("name", WITH_ATTRIBUTES)
def test_every_op_refuses_bad_attributes_with_its_own_error(name):
    info = OPS[name]
    sample = next(s for s in info.samples(np.random.default_rng(0)) if s.kwargs)
    refused = 0
    for key in sample.kwargs:
        for bad in BAD_VALUES:
            kwargs = dict(sample.kwargs, **{key: bad})
            try:
                info.function.apply(*sample_inputs(sample), **kwargs)
            except (ValueError, TypeError) as exc:
                assert _names_the_argument(str(exc), key), f"{name}({key}={bad!r}): {exc}"
                refused += 1
            except IndexError as exc:  # only indexing out of range or too many axes, in our own words
                assert name == "getitem" and str(exc).startswith(("Index ", "An index", "The boolean mask",
                                                                  "too many indices")), exc
                refused += 1
    assert refused >= len(sample.kwargs) * 4, f"{name}: only {refused} bad attributes refused"


def T(*shape):
    return tg.tensor(np.ones(shape))


@pytest.mark.parametrize("call, error, words", [
    (lambda: shape.Permute.apply(T(2, 3), axes=(0, 5)), ValueError, "axis 5"),
    (lambda: shape.Permute.apply(T(2, 3), axes=None), TypeError, "axes"),
    (lambda: shape.Permute.apply(T(2, 3), axes=(0, 0)), ValueError, "permutation"),
    (lambda: shape.Concat.apply(T(2, 3), T(2, 3), axis=5), ValueError, "concat: axis 5"),
    (lambda: shape.Concat.apply(T(), T(), axis=0), ValueError, "zero-dimensional"),
    (lambda: shape.Concat.apply(T(2, 3), T(3, 3), axis=1), ValueError, "differ outside axis 1"),
    (lambda: shape.Stack.apply(T(2, 3), T(2, 3), axis=9), ValueError, "stack: axis 9"),
    (lambda: shape.Stack.apply(T(2, 3), T(3, 2), axis=0), ValueError, "all shapes must be equal"),
    (lambda: reduction.Sum.apply(T(2, 3), axes=(5,), keepdims=False), ValueError, "sum: axis 5"),
    (lambda: reduction.Mean.apply(T(2, 3), axes=(5,), keepdims=False), ValueError, "mean: axis 5"),
    (lambda: reduction.Max.apply(T(2, 3), axes=(5,), keepdims=False), ValueError, "max: axis 5"),
    (lambda: reduction.Min.apply(T(2, 3), axes=(0, 0), keepdims=False), ValueError, "repeated"),
    (lambda: nn.LogSoftmax.apply(T(2, 3), axis=5), ValueError, "log_softmax: axis 5"),
    (lambda: shape.Pad.apply(tg.tensor([1.0, 2.0, 3.0]), pad_width=((1, 1), (1, 1)), value=0.0), ValueError,
     "pad_width"),
    (lambda: shape.Pad.apply(tg.tensor([1.0, 2.0, 3.0]), pad_width=((-4, 0),), value=0.0), ValueError,
     "pad_width"),     # a negative width crops (as torch's pad); one that crops more than the axis holds is refused
    (lambda: shape.Pad.apply(tg.tensor([1.0, 2.0, 3.0]), pad_width=((1, 0),), value="a"), TypeError, "value"),
    (lambda: elementwise.Clip.apply(T(3), min="1", max=2.0), TypeError, "`min` must be a number or None"),
    (lambda: elementwise.Cast.apply(T(3), dtype="bogus"), TypeError, "dtype"),
    (lambda: shape.ReshapeOp.apply(T(2, 3), shape=(7,)), ValueError, "cannot reshape a tensor of shape (2, 3)"),
    (lambda: shape.ReshapeOp.apply(T(2, 3), shape=None), TypeError, "shape"),
    (lambda: shape.GetItem.apply(T(2, 3), index=5), IndexError, "Index 5 is out of range for axis 0 of size 2"),
])
def test_the_functions_called_directly_fail_clearly(call, error, words):
    with pytest.raises(error) as info:
        call()
    assert words in str(info.value)


def test_the_wrappers_and_apply_give_the_same_message():
    x = T(2, 3)
    for wrapper, direct in [(lambda: x.sum(axis=5), lambda: reduction.Sum.apply(x, axes=5, keepdims=False)),
                            (lambda: x.permute(0, 5), lambda: shape.Permute.apply(x, axes=(0, 5))),
                            (lambda: x.reshape(7), lambda: shape.ReshapeOp.apply(x, shape=(7,)))]:
        with pytest.raises(ValueError) as a:
            wrapper()
        with pytest.raises(ValueError) as b:
            direct()
        assert str(a.value) == str(b.value)


# ----------------------------------------------------------------------------------------------- shapes
@pytest.mark.parametrize("args", [("6",), ((2.9, 3),), (True, 6), ((6.0,),), (2, 3.0), ((np.float64(6),),)])
def test_reshape_refuses_what_is_not_an_integer_like_torch(args):
    torch = pytest.importorskip("torch")
    with pytest.raises(TypeError):
        torch.ones(2, 3).reshape(*args)
    with pytest.raises(TypeError, match="shape"):
        T(2, 3).reshape(*args)


def test_reshape_accepts_numpy_integers_and_minus_one_like_torch():
    torch = pytest.importorskip("torch")
    for args in [(np.int64(3), 2), ((-1,),), (3, -1), ([2, 3],)]:
        assert T(2, 3).reshape(*args).shape == tuple(torch.ones(2, 3).reshape(*args).shape)


@pytest.mark.parametrize("pad_width", [[(1.5, 1)], [(1, True)], [(1, "1")], (1.0, 1.0)])
def test_pad_refuses_what_is_not_an_integer(pad_width):
    with pytest.raises(TypeError, match="pad_width"):
        tg.ops.pad(tg.tensor([1.0, 2.0]), pad_width)


def test_pad_still_pads_as_numpy():
    np.testing.assert_array_equal(tg.ops.pad(tg.tensor([1.0, 2.0]), [(1, 2)]).numpy(),
                                  np.pad(np.array([1.0, 2.0]), [(1, 2)]))


# ----------------------------------------------------------------------------------------------- indexing
def test_indexing_errors_are_our_own():
    torch = pytest.importorskip("torch")
    x, tx = tg.tensor(np.arange(6.0).reshape(2, 3)), torch.arange(6.0).reshape(2, 3)
    with pytest.raises(IndexError):
        tx[torch.tensor([1.0, 0.0])]
    with pytest.raises(TypeError, match=r"`index`: index tensors must hold integers or booleans; received a "
                                        r"tensor of dtype float32\. .*dtype='bool'"):
        x[tg.tensor([1.0, 0.0])]
    with pytest.raises(IndexError, match="does not match the shape"):
        tx[torch.tensor([True, False, True])]
    with pytest.raises(IndexError, match=r"boolean mask of shape \(3,\) does not match the shape \(2,\) of the axis 0"):
        x[np.array([True, False, True])]
    # two ellipses: NumPy and the Array API refuse them (PyTorch reads them as one); we refuse, in our words
    with pytest.raises(IndexError, match="at most one ellipsis"):
        x[..., ...]
    for index, words in [(5, "Index 5 is out of range for axis 0 of size 2"),
                         ((slice(None), 3), "Index 3 is out of range for axis 1 of size 3"),
                         ((0, -4), "Index -4 is out of range for axis 1 of size 3"),
                         (np.array([0, 2]), "Index 2 is out of range for axis 0 of size 2"),
                         ((Ellipsis, 7), "Index 7 is out of range for axis 1 of size 3")]:
        with pytest.raises(IndexError):
            tx[index if not isinstance(index, np.ndarray) else torch.as_tensor(index)]
        with pytest.raises(IndexError, match=words.replace("(", r"\(")):
            x[index]


def test_valid_indices_still_work_like_torch():
    torch = pytest.importorskip("torch")
    x, tx = tg.tensor(np.arange(6.0).reshape(2, 3)), torch.arange(6.0).reshape(2, 3)
    for index in [1, -2, (1, 2), (slice(None), -1), (Ellipsis, 1), np.array([1, 0, 1]), np.array([True, False]),
                  np.ones((2, 3), dtype=bool), (None, 0)]:
        theirs = tx[torch.as_tensor(index) if isinstance(index, np.ndarray) else index]
        assert x[index].tolist() == theirs.tolist()
    assert x[tg.tensor(np.array([1, 0]), dtype="int64")].tolist() == tx[torch.tensor([1, 0])].tolist()


def test_a_bool_index_adds_an_axis_as_numpy_even_on_a_length_1_axis():
    x = tg.tensor([5.0])
    assert x[True].shape == np.array([5.0])[True].shape == (1, 1)
    assert x[False].shape == np.array([5.0])[False].shape == (0, 1)
