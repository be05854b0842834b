"""The pieces of ``split``, ``chunk`` and ``unbind`` share one backward: the gradients of ``n`` pieces go into one
array of the input's size (``ops.splitting.Cut`` and ``Piece``), instead of ``n`` full-size arrays added up, and
are PyTorch's, bit for bit (pieces unused, used twice, pieces of pieces, ``retain_graph``, the sign of zero, NaN),
on every backend. Also ``ops.unbind``'s ``axis`` argument (``dim`` its PyTorch alias), as ``x.unbind(axis=...)``.
"""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import autograd
from tinygradconv.backend import dtype_name
from tinygradconv.ops import splitting

torch = pytest.importorskip("torch", reason="PyTorch is the reference of split, chunk and unbind")

DTYPES = ["float16", "float32", "float64"]


def _data(shape):
    data = np.random.default_rng(5).standard_normal(shape)
    data.flat[0], data.flat[1], data.flat[-1] = np.nan, np.inf, -0.0
    return data


def _weighted(lib, pieces, weights):
    """``sum(w * piece.sum())``-like loss whose gradient is exact in every dtype: each piece times small integers
    and -0.0 (the sign of a zero gradient shows), ``None`` leaving a piece out."""
    total = None
    for piece, w in zip(pieces, weights):
        if w is None:
            continue
        weight = np.resize(np.array(w, dtype=np.float64), tuple(piece.shape))
        weight = lib.tensor(weight, dtype=piece.dtype) if lib is torch else \
            tg.tensor(weight, dtype=dtype_name(piece.dtype), backend=piece.backend.name)
        term = (piece * weight).sum()
        total = term if total is None else total + term
    return total


# Each case: (shape, a function of (lib, x) giving the loss). Both libraries spell these ops the same way. One call
# of the op, its pieces used once, twice or not at all: the sign of a zero gradient shows (a second call would add
# its +0.0 to it, in PyTorch too).
def _unbind_one_twice(lib, x):
    pieces = x.unbind(1)
    return _weighted(lib, pieces + pieces[2:3], [None, [-0.0, 2.0, 1.0], 7, None, 3])


def _split_twice(lib, x):
    pieces = x.split([1, 3, 2])
    return _weighted(lib, pieces + pieces[:1], [-0.0, None, [1.0, -0.0], 3])


def _pieces_of_pieces(lib, x):
    pieces = x.chunk(3)
    return _weighted(lib, pieces[1].unbind(1) + pieces[2].split(1, 1), [1, None, -0.0, 2, [3.0, -0.0]])


CASES = {
    "unbind, every piece": ((5, 3), lambda lib, x: _weighted(lib, x.unbind(0), [1, 2, -0.0, 4, 5])),
    "unbind(1), two left out, one twice": ((3, 4), _unbind_one_twice),
    "split sizes, twice": ((6, 2), _split_twice),
    "chunk, pieces of pieces": ((6, 4), _pieces_of_pieces),
    "split with x used elsewhere": ((4, 3), lambda lib, x: _weighted(lib, x.split(3, 0) + (x,), [2, None, -0.0])),
    "chunk(4) of 6: three pieces, one left out": ((6,), lambda lib, x: _weighted(lib, x.chunk(4), [1, None, -0.0])),
    "split with an empty piece": ((5,), lambda lib, x: _weighted(lib, x.split([0, 2, 0, 3]), [1, -0.0, 2, 3])),
}


@pytest.mark.parametrize("dtype", DTYPES)
@pytest.mark.parametrize("case", CASES)
def test_gradients_are_torchs_bit_for_bit(case, dtype, backend):
    if backend == "array_api_strict" and dtype == "float16":
        pytest.skip("the Array API (array_api_strict) has no float16")
    shape, loss = CASES[case]
    data = _data(shape)
    ours = tg.tensor(data, dtype=dtype, backend=backend, requires_grad=True)
    theirs = torch.tensor(data, dtype=getattr(torch, dtype), requires_grad=True)
    loss(tg, ours).backward()
    loss(torch, theirs).backward()
    expected = theirs.grad.numpy()
    got = ours.grad.numpy()
    assert got.dtype == expected.dtype and got.tobytes() == expected.tobytes(), (got, expected)


def test_retain_graph_and_a_piece_left_out_until_the_next_pass_as_torch():
    """Passes accumulate; a piece not used in one pass is still usable in the next, without ``retain_graph``
    (the node the pieces hang from saves nothing, as PyTorch's unbind node)."""
    grads = []
    for lib in (tg, torch):
        x = lib.tensor(_data((4, 3)), requires_grad=True)
        pieces = x.unbind(0)
        loss = (pieces[1] * 2).sum() + pieces[3].sum()
        loss.backward(retain_graph=True)
        loss.backward()
        pieces[2].sum().backward()
        (pieces[0] * -0.0).sum().backward()
        grads.append(x.grad.numpy())
    assert grads[0].tobytes() == grads[1].tobytes(), grads


def test_the_pieces_send_one_array_of_the_inputs_size_back():
    """The cost: the backward of n pieces makes one array of the input's size, not one per piece (each piece had
    been a slice whose backward made a full-size array of zeros, and the engine added the n of them). Counted
    with the engine's observers: what each piece's node sends back to its input."""
    x = tg.tensor(np.ones((1600, 8), dtype=np.float32), requires_grad=True)
    pieces = x.unbind(0)
    ids = {id(p) for p in pieces}
    full_size = []

    def observe(tensor, grad, input_grads):
        if id(tensor) in ids:
            full_size.extend(g for g in input_grads if g is not None and tuple(g.shape) == x.shape)

    loss = sum((p * p).sum() for p in pieces)
    autograd._state.observers = (observe,)
    try:
        loss.backward()
    finally:
        autograd._state.observers = ()
    assert len(full_size) == 1
    np.testing.assert_array_equal(x.grad.numpy(), np.full((1600, 8), 2.0, dtype=np.float32))


class _FailsOnce(tg.Function):
    """The identity, whose first backward raises: a pass that stops between two pieces."""
    failed = False

    @staticmethod
    def forward(ctx, a):
        return a * 1.0

    @staticmethod
    def backward(ctx, grad):
        if not _FailsOnce.failed:
            _FailsOnce.failed = True
            raise ArithmeticError("this pass stops here")
        return grad


@pytest.mark.parametrize("failing_first", [True, False])
def test_a_pass_that_stopped_between_two_pieces_leaves_nothing_behind(failing_first):
    """The array the pieces share belongs to one backward pass: one that raised after a piece wrote its part
    (whichever of the two the engine reaches first) does not leak into the next."""
    _FailsOnce.failed = False
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]], requires_grad=True)
    first, second, _ = x.unbind(0)
    terms = [_FailsOnce.apply(second).sum() * 3.0, (first * 2.0).sum()]
    loss = terms[0] + terms[1] if failing_first else terms[1] + terms[0]
    with pytest.raises(ArithmeticError):
        loss.backward(retain_graph=True)
    assert x.grad is None
    loss.backward()
    np.testing.assert_array_equal(x.grad.numpy(), [[2.0, 2.0], [3.0, 3.0], [0.0, 0.0]])


def test_no_graph_no_nodes_and_integer_pieces():
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    with tg.no_grad():
        assert [p.requires_grad for p in x.unbind(1)] == [False, False]
    assert all(p.requires_grad and isinstance(p._ctx.fn(), splitting.Piece) for p in x.split(1))
    ints = tg.tensor([[1, 2], [3, 4]], dtype="int64")
    assert [p.tolist() for p in ints.chunk(2, 1)] == [[[1], [3]], [[2], [4]]]


# -------------------------------------------------------------------------------------- ops.unbind(x, axis=)
def test_ops_unbind_takes_axis_and_dim_as_torch_takes_dim():
    data = np.arange(24.0).reshape(2, 3, 4)
    expected = [p.numpy() for p in torch.unbind(torch.tensor(data), 1)]
    x = tg.tensor(data)
    for pieces in (tg.ops.unbind(x, axis=1), tg.ops.unbind(x, dim=1), tg.ops.unbind(x, 1), tg.ops.unbind(x, -2),
                   x.unbind(axis=1), x.unbind(dim=1), x.unbind(1)):
        assert len(pieces) == 3
        for got, want in zip(pieces, expected):
            np.testing.assert_array_equal(got.numpy(), want)
    assert [p.tolist() for p in tg.ops.unbind(x[0])] == torch.tensor(data[0]).tolist()    # axis 0 by default


@pytest.mark.parametrize("call, error, words", [
    (lambda x: tg.ops.unbind(x, 1, dim=1), TypeError, "Invalid type for argument `dim` of unbind"),
    (lambda x: tg.ops.unbind(x, axis=1.0), TypeError, "`axis`. Expected an integer. Received axis=1.0"),
    (lambda x: tg.ops.unbind(x, dim=None), TypeError, "Received dim=None"),               # as torch.unbind
    (lambda x: tg.ops.unbind(x, axis=2), IndexError, "`axis` must be in [-2, 1]"),
    (lambda x: x.unbind(dim=True), TypeError, "Received dim=True"),
    (lambda x: x.unbind(axis=-3), IndexError, "`axis` must be in [-2, 1]"),
])
def test_ops_unbind_errors_name_the_argument_given(call, error, words):
    with pytest.raises(error) as info:
        call(tg.tensor([[1.0, 2.0]]))
    assert words in str(info.value)
