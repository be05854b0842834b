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
    (lambda x: tg.ops.unbind(x, 1, dim=1), TypeError, "unbind() takes `dim` or its alias `axis`, not both"),
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


# -------------------------------------------------------------------- the pieces' array belongs to one pass
class _Recompute(tg.Function):
    """``a * a``, whose backward runs a whole backward pass of its own (as a recomputing checkpoint does)."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        t = tg.tensor(np.asarray(ctx.saved_tensors[0]), requires_grad=True)
        (t * t).sum().backward()
        return grad * t.grad.data


class _TorchRecompute(torch.autograd.Function):
    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return a * a

    @staticmethod
    def backward(ctx, grad):
        with torch.enable_grad():
            t = ctx.saved_tensors[0].detach().clone().requires_grad_()
            (t * t).sum().backward()
        return grad * t.grad


@pytest.mark.parametrize("recomputed", [1, 2])
def test_a_backward_pass_run_inside_another_leaves_the_pieces_gradients_whole_as_torch(recomputed):
    """A backward() called from an op's backward, between two pieces, has its own array: the outer pass's pieces
    reached before it and after it all arrive (the pieces before it had been lost)."""
    grads = []
    for lib, recompute in ((tg, _Recompute), (torch, _TorchRecompute)):
        x = lib.tensor(np.arange(1.0, 9.0).reshape(4, 2), requires_grad=True)
        pieces = x.unbind(0)
        terms = [recompute.apply(p) if i == recomputed else p * (2 * i + 1) for i, p in enumerate(pieces)]
        sum(t.sum() for t in terms).backward()
        grads.append(x.grad.numpy())
    assert grads[0].tobytes() == grads[1].tobytes(), grads


def test_a_pass_in_another_thread_between_two_pieces_has_its_own_array():
    """Thread A's pass stops after its first piece while thread B runs a whole pass through another piece of the
    same split: each pass fills its own array (B's had replaced A's). Hand-computed: x.grad is the sum of A's
    gradient [[1, 1], [2, 2], [3, 3]] and B's [[10, 10], [0, 0], [0, 0]]."""
    import threading
    go_b, b_done = threading.Event(), threading.Event()

    class Pause(tg.Function):            # the identity, whose backward in thread A waits for thread B's pass
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, grad):
            if threading.current_thread().name == "A":
                go_b.set()
                assert b_done.wait(30)
            return grad

    x = tg.tensor(np.ones((3, 2)), requires_grad=True)
    p = x.unbind(0)
    loss_a = (p[0] * 1).sum() + Pause.apply(p[1] * 2).sum() + (p[2] * 3).sum()   # the engine reaches p[2] first
    loss_b = (p[0] * 10).sum()
    errors = []

    def run(body):
        try:
            body()
        except (AssertionError, RuntimeError, TypeError, ValueError) as error:     # (reported below)
            errors.append(error)
            go_b.set()
            b_done.set()

    def a():
        loss_a.backward()

    def b():
        assert go_b.wait(30)
        loss_b.backward()
        b_done.set()

    threads = [threading.Thread(target=run, args=(body,), name=name) for name, body in (("A", a), ("B", b))]
    for t in threads:
        t.start()
    for t in threads:
        t.join(60)
    assert not errors, errors
    np.testing.assert_array_equal(x.grad.numpy(), [[11.0, 11.0], [2.0, 2.0], [3.0, 3.0]])


def test_a_pass_that_raised_keeps_no_array_and_nested_passes_put_the_outer_one_back():
    _FailsOnce.failed = False
    x = tg.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
    first, second = x.unbind(0)
    with pytest.raises(ArithmeticError):
        ((first * 2.0).sum() + _FailsOnce.apply(second).sum()).backward()
    assert autograd._state.shared_arrays is None        # outside a pass: no array of any pass left
    x = tg.tensor(np.arange(1.0, 5.0).reshape(2, 2), requires_grad=True)
    seen = []

    class Inner(tg.Function):                # its backward runs a pass, then looks at the outer pass's arrays
        @staticmethod
        def forward(ctx, a):
            return a * 1.0

        @staticmethod
        def backward(ctx, grad):
            outer = autograd._state.shared_arrays
            tg.tensor([1.0], requires_grad=True).sum().backward()
            seen.append(autograd._state.shared_arrays is outer and len(outer) == 1)
            return grad

    pieces = x.unbind(0)
    (Inner.apply(pieces[1]).sum() + (pieces[0] * 3.0).sum()).backward()   # the engine reaches pieces[0] first
    assert seen == [True]
    np.testing.assert_array_equal(x.grad.numpy(), [[3.0, 3.0], [1.0, 1.0]])


# ------------------------------------------------------------------------- Cut and Piece called directly
def test_cut_called_directly_leaves_the_callers_gradient_unchanged_as_torchs_identity():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    g = tg.tensor([1.0, 1.0])
    y = splitting.Cut.apply(x)
    y.backward(g, retain_graph=True)
    y.backward(g)
    assert g.tolist() == [1.0, 1.0]
    assert x.grad.tolist() == [2.0, 2.0]        # torch: x.view_as(x).backward(g) twice gives [2, 2], g unchanged


def test_cut_refuses_an_output_used_by_more_than_its_pieces():
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    whole = splitting.Cut.apply(x)
    piece = splitting.Piece.apply(whole, index=(slice(0, 1),), cut=whole._ctx)
    with pytest.raises(RuntimeError, match="used by something other than its pieces"):
        (whole.sum() + piece.sum()).backward()


@pytest.mark.parametrize("make_cut, error, words", [
    (lambda x, y: y._ctx, TypeError, "expected the context of a Cut node"),
    (lambda x, y: "cut", TypeError, "received 'cut'"),
    (lambda x, y: splitting.Cut.apply(x[0:1])._ctx, ValueError, "Invalid value for argument `cut` of piece"),
])
def test_piece_accepts_only_the_context_of_the_cut_that_made_its_tensor(make_cut, error, words):
    x = tg.tensor([1.0, 2.0], requires_grad=True)
    y = x * 2
    with pytest.raises(error, match=words.replace("(", r"\(")):
        splitting.Piece.apply(y, index=(0,), cut=make_cut(x, y)).sum().backward()


def test_a_piece_used_in_one_pass_is_used_again_in_the_next_without_retain_graph_as_torch():
    grads = []
    for lib in (tg, torch):
        x = lib.tensor([[1.0, 2.0], [3.0, 4.0]], requires_grad=True)
        a, _ = x.unbind(0)
        a.sum().backward()
        (a * 2).sum().backward()
        first, _ = x.chunk(2)
        (first * 5).sum().backward()
        (first * -1).sum().backward()
        grads.append(x.grad.numpy())
    assert grads[0].tobytes() == grads[1].tobytes(), grads


# ----------------------------------------------------------------------------------------------- the pictures
@pytest.mark.filterwarnings("ignore:Animation was deleted without rendering")     # (only its frames are read)
def test_record_backward_draws_each_pieces_own_gradient_and_the_cuts_complete_one():
    """Each piece -> cut edge carries that piece's gradient, zeros elsewhere (as when each piece was a slice):
    hand-computed for sum(p_i * (i + 1)); the cut's gradient is complete after its three uses."""
    from tinygradconv.viz import animate_backward, record_backward
    from tinygradconv.viz.backward import _frames
    x = tg.tensor(np.arange(6.0).reshape(3, 2), requires_grad=True)
    p = x.unbind(0)
    with record_backward() as trace:
        ((p[0] * 1).sum() + (p[1] * 2).sum() + (p[2] * 3).sum()).backward()
    names = {n.id: n.short.split("\n")[0] for n in trace.nodes if n.kind == "tensor"}
    cut = next(i for i, name in names.items() if name == "cut")
    sent = {names[s.node]: s.sent for s in trace.steps if names[s.node].startswith("piece")}
    for i in range(3):
        expected = np.zeros((3, 2))
        expected[i] = i + 1
        [(to, gradient)] = sent[f"piece {i + 1}"]
        assert to == cut
        np.testing.assert_array_equal(gradient, expected)
    total, received, uses = _frames(trace)[-1][1][cut]
    np.testing.assert_array_equal(total, [[1.0, 1.0], [2.0, 2.0], [3.0, 3.0]])
    assert (received, uses) == (3, 3)
    anim = animate_backward(trace)
    flowed = {(src, dst) for src, dst, _ in anim.edge_flows[-1] if src == cut}
    assert len(flowed) == 3                      # every edge from the cut carried a gradient
    assert anim.frame_texts[-1][cut].splitlines()[-1].startswith("grad ")
    import gc

    import matplotlib.pyplot as plt
    plt.close(anim.figure)
    del anim
    gc.collect()                                 # (its warning, that it was never played, while it is filtered)
