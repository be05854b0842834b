"""Brief s47, items 1 to 4, each against PyTorch: the ``grad_fn`` names of the pieces of ``split``, ``chunk``,
``unbind`` and ``tensor_split``; ``axis=`` for ``ops.split`` and ``ops.chunk``; ``tensor_split`` (values and
gradients); and PyTorch's RuntimeError for an in-place write into an ``expand``-ed leaf (and the other views)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import ops

torch = pytest.importorskip("torch", reason="PyTorch is the reference of split, tensor_split and in-place views")

X = np.arange(8.0).reshape(4, 2)

# (the call, spelled alike in both libraries)
PIECE_CALLS = {
    "split(2)": lambda x: x.split(2),
    "split(3)": lambda x: x.split(3),
    "split([1, 3])": lambda x: x.split([1, 3]),
    "split(1, 1)": lambda x: x.split(1, 1),
    "chunk(2)": lambda x: x.chunk(2),
    "chunk(2, dim=-1)": lambda x: x.chunk(2, dim=-1),
    "unbind()": lambda x: x.unbind(),
    "unbind(1)": lambda x: x.unbind(1),
    "tensor_split(3)": lambda x: x.tensor_split(3),
    "tensor_split([1, 5])": lambda x: x.tensor_split([1, 5]),
}


@pytest.mark.parametrize("call", list(PIECE_CALLS))
def test_pieces_grad_fn_names_are_torchs(call):
    """``x.split(2)[0].grad_fn`` printed ``<PieceBackward>``; PyTorch prints ``<SplitBackward0 ...>`` (and
    ``SplitWithSizes``, ``Unbind``, ``Slice`` for the other calls), whose next function is the leaf's
    ``AccumulateGrad`` (the Cut node of this package is passed over)."""
    pieces = PIECE_CALLS[call](tg.tensor(X, requires_grad=True))
    expected = PIECE_CALLS[call](torch.tensor(X, requires_grad=True))
    assert len(pieces) == len(expected)
    for ours, theirs in zip(pieces, expected):
        assert ours.grad_fn.name() + "0" == theirs.grad_fn.name()
        assert repr(ours.grad_fn) == f"<{ours.grad_fn.name()}>"
        assert [type(node).__name__ for node, _ in ours.grad_fn.next_functions] == \
               [type(node).__name__ for node, _ in theirs.grad_fn.next_functions] == ["AccumulateGrad"]


def test_pieces_of_an_op_output_point_to_that_op_as_torch():
    x, tx = tg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    ours, theirs = (x * 2).split(3)[1].grad_fn, (tx * 2).split(3)[1].grad_fn
    assert ours.name() == "SplitBackward" and theirs.name() == "SplitBackward0"
    assert ours.next_functions[0][0].name() == "MulBackward" and theirs.next_functions[0][0].name() == "MulBackward0"


def test_graph_labels_name_the_call_and_the_index():
    from tinygradconv.viz.graph import graph_nodes

    x = tg.tensor(X, requires_grad=True)
    a, b = x.split(1, 1)
    labels = [n.label for n in graph_nodes((a * b).sum()) if n.kind == "op"]
    assert labels == ["cut", "piece\nsplit [:, 0:1]", "piece\nsplit [:, 1:2]", "mul", "sum"]
    assert [n.label for n in graph_nodes(x.unbind()[3].sum()) if n.kind == "op"] == ["cut", "piece\nunbind [3]", "sum"]


@pytest.mark.parametrize("op", ["split", "chunk"])
def test_ops_split_and_chunk_take_axis(backend, op):
    """``tg.ops.split(x, 2, axis=0)`` raised "unexpected keyword argument 'axis'" (``ops.unbind`` takes it)."""
    data = np.random.default_rng(0).standard_normal((3, 5))
    fn = getattr(ops, op)
    for axis in (0, 1, -1):
        ours = fn(tg.tensor(data, backend=backend), 2, axis=axis)
        theirs = getattr(torch, op)(torch.tensor(data), 2, dim=axis)
        assert [p.tolist() for p in ours] == [p.tolist() for p in theirs]
    with pytest.raises(TypeError, match="takes `dim` or its alias `axis`, not both. Received dim=0, axis=1"):
        fn(tg.tensor(data, backend=backend), 2, dim=0, axis=1)
    with pytest.raises(IndexError, match="`axis` must be in"):
        fn(tg.tensor(data, backend=backend), 2, axis=2)


def test_the_chunk_method_takes_axis_as_torch():
    theirs = torch.tensor(X).chunk(2, axis=1)
    assert [p.tolist() for p in tg.tensor(X).chunk(2, axis=1)] == [p.tolist() for p in theirs]


def _loss(lib, pieces, rng_seed):
    """A weighted sum of the pieces, with weights exact in float64 (small integers)."""
    rng = np.random.default_rng(rng_seed)
    total = 0.0
    for piece in pieces:
        weights = rng.integers(-3, 4, tuple(piece.shape)).astype(np.float64)
        w = torch.tensor(weights) if lib is torch else tg.tensor(weights, backend=piece.backend.name)
        total = total + (piece * w).sum()
    return total


def _tensor_split_cases():
    rng = np.random.default_rng(47)
    cases = []
    for _ in range(12):
        shape = tuple(int(n) for n in rng.integers(0, 6, rng.integers(1, 4)))
        dim = int(rng.integers(-len(shape), len(shape)))
        length = shape[dim]
        if rng.random() < 0.5:
            arg = int(rng.integers(1, 8))
        else:
            arg = [int(i) for i in rng.integers(-length - 3, length + 4, rng.integers(0, 4))]
        cases.append((shape, arg, dim))
    cases += [((7,), 3, 0), ((2, 3), 5, 1), ((0, 2), 3, 0), ((8,), [3, 1, 6], 0), ((8,), [-2, -1], -1),
              ((8,), [-20, 10], 0), ((4, 2), [], 0), ((4, 2), (1,), -1), ((8,), [2, 2, 9, 9], 0)]
    return cases


@pytest.mark.parametrize("shape, arg, dim", _tensor_split_cases())
def test_tensor_split_values_and_gradients_are_torchs(backend, shape, arg, dim):
    """``x.tensor_split(3)`` raised AttributeError. Values and gradients against PyTorch on random shapes, empty
    pieces, indices past the end, indices out of order (overlapping pieces), negative dim."""
    data = np.random.default_rng(1).standard_normal(shape)
    x, tx = tg.tensor(data, requires_grad=True, backend=backend), torch.tensor(data, requires_grad=True)
    ours, theirs = x.tensor_split(arg, dim), tx.tensor_split(arg, dim)
    assert len(ours) == len(theirs)
    for a, b in zip(ours, theirs):
        assert a.shape == tuple(b.shape) and a.tolist() == b.tolist()
    _loss(tg, ours, 3).backward()
    _loss(torch, theirs, 3).backward()
    assert x.grad.tolist() == tx.grad.tolist()
    functional = ops.tensor_split(tg.tensor(data, backend=backend), arg, axis=dim)
    assert [p.tolist() for p in functional] == [p.tolist() for p in theirs]


def test_tensor_split_takes_an_integer_tensor_as_torch():
    for arg in (2, [1, 3]):
        ours = tg.tensor(X).tensor_split(tg.tensor(np.array(arg), dtype="int64"))
        theirs = torch.tensor(X).tensor_split(torch.tensor(arg))
        assert [p.tolist() for p in ours] == [p.tolist() for p in theirs]


def test_tensor_split_pieces_used_in_two_passes_as_torch():
    x, tx = tg.tensor(X, requires_grad=True), torch.tensor(X, requires_grad=True)
    first, tfirst = x.tensor_split(3)[0], tx.tensor_split(3)[0]
    for _ in range(2):
        (first * 3).sum().backward()
        (tfirst * 3).sum().backward()
    assert x.grad.tolist() == tx.grad.tolist()


@pytest.mark.parametrize("arg, error, words", [
    (0, ValueError, "number of sections must be at least 1"),
    (-1, ValueError, "number of sections must be at least 1"),
    (2.0, TypeError, "Invalid type for argument `indices_or_sections` of tensor_split"),
    (True, TypeError, "Invalid type for argument `indices_or_sections` of tensor_split"),
    ([1.0], TypeError, "holding 1.0 of type float"),
    ([True], TypeError, "holding True of type bool"),
])
def test_tensor_split_refuses_what_torch_refuses(arg, error, words):
    with pytest.raises((RuntimeError, TypeError)):
        torch.tensor(X).tensor_split(arg)
    with pytest.raises(error, match=words):
        tg.tensor(X).tensor_split(arg)


def test_tensor_split_refuses_rank_0_and_a_float_tensor_as_torch():
    with pytest.raises(RuntimeError, match="at least a 1-dimensional tensor"):
        torch.tensor(1.0).tensor_split(2)
    with pytest.raises(ValueError, match="expected a tensor of at least 1 dimension"):
        tg.tensor(1.0).tensor_split(2)
    with pytest.raises(TypeError, match="must hold integers"):
        tg.tensor(X).tensor_split(tg.tensor([1.0]))


def test_tensor_split_pieces_are_slices_for_in_place_writes_as_torch():
    """PyTorch's pieces of tensor_split are slices: a leaf's are views of a leaf (RuntimeError), an op's output's
    may be written in place (recorded as CopySlices, as PyTorch; a view of a chunk's piece is refused, as PyTorch),
    under no_grad the write reaches x."""
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        torch.tensor(X, requires_grad=True).tensor_split(2)[0].add_(1.0)
    with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
        tg.tensor(X, requires_grad=True).tensor_split(2)[0].add_(1.0)
    grads = []
    for M in (torch, tg):                       # recorded as a write into the op's output (CopySlices)
        x = M.tensor(X, requires_grad=True)
        y = x * 2
        y.tensor_split(2)[1].mul_(x[0])
        y.sum().backward()
        grads.append((y.tolist(), x.grad.tolist()))
    assert grads[0] == grads[1]
    with pytest.raises(RuntimeError, match="This view is the output of a function that returns multiple views"):
        (torch.tensor(X, requires_grad=True) * 2).chunk(2)[0][1:].add_(1.0)
    with pytest.raises(RuntimeError, match="This view is the output of a function that returns multiple views"):
        (tg.tensor(X, requires_grad=True) * 2).chunk(2)[0][1:].add_(1.0)
    x, tx = tg.tensor(X), torch.tensor(X)
    with tg.no_grad(), torch.no_grad():
        x.tensor_split(3, 1)[1].zero_()
        tx.tensor_split(3, 1)[1].zero_()
    assert x.tolist() == tx.tolist()


W = [[1.0, 2.0]]
VIEWS = {
    "w.expand(3, 2)": lambda w: w.expand(3, 2),
    "w.expand(3, -1).T": lambda w: w.expand(3, -1).T,
    "w.expand(2, 3, 2)[1]": lambda w: w.expand(2, 3, 2)[1],
    "w.T": lambda w: w.T,
    "w[0]": lambda w: w[0],
    "w.view(2, 1)": lambda w: w.view(2, 1),
    "w.reshape(2)": lambda w: w.reshape(2),
    "w.unsqueeze(0)": lambda w: w.unsqueeze(0),
    "w.squeeze(0)": lambda w: w.squeeze(0),
    "w.transpose(0, 1)": lambda w: w.transpose(0, 1),
    "w.permute(1, 0)": lambda w: w.permute(1, 0),
    "w.flatten()": lambda w: w.flatten(),
}


@pytest.mark.parametrize("spelling", list(VIEWS))
def test_a_write_into_a_view_of_a_leaf_is_torchs_runtime_error(backend, spelling):
    """``w.expand(3, 2).add_(1.)`` raised this package's TypeError "no in-place node"; PyTorch raises RuntimeError
    "a view of a leaf Variable that requires grad is being used in an in-place operation." (expand is a view)."""
    words = "a view of a leaf Variable that requires grad is being used in an in-place operation"
    with pytest.raises(RuntimeError, match=words):
        VIEWS[spelling](torch.tensor(W, requires_grad=True)).add_(1.0)
    w = tg.tensor(W, requires_grad=True, backend=backend)
    with pytest.raises(RuntimeError, match=words):
        VIEWS[spelling](w).add_(1.0)
    assert w.tolist() == W


def test_a_non_view_is_recorded_and_a_view_of_an_op_output_refused():
    """``(w * 2).add_(1.)``: PyTorch records it, and so does this graph (the same values and gradient); an expand of
    an op's output is PyTorch's RuntimeError (an expand is a view there; here a copy)."""
    tw, w = torch.tensor(W, requires_grad=True), tg.tensor(W, requires_grad=True)
    ty, y = (tw * 2).add_(1.0), (w * 2).add_(1.0)
    (ty * ty).sum().backward()
    (y * y).sum().backward()
    assert y.tolist() == ty.tolist() and w.grad.tolist() == tw.grad.tolist()
    for M in (torch, tg):                       # PyTorch: the expanded op output is a view it refuses to write
        with pytest.raises(RuntimeError, match="more than one element of the written-to tensor refers to a single"):
            (M.tensor(W, requires_grad=True) * 2).expand(3, 2).add_(1.0)
