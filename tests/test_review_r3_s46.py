"""A reviewer's small findings (session 46): in-place writes into reshape copies and into the pieces of split, chunk
and unbind (PyTorch is the reference), the connectivity matrix's message for a Reshape it does not draw, and the
exercise checkers' headers and hints."""
import numpy as np
import pytest

import tinygradconv as tg


@pytest.fixture
def torch():
    return pytest.importorskip("torch", reason="PyTorch is the reference of in-place writes into views")


W = [[1.0, 2.0, 3.0], [4.0, 5.0, 6.0]]

#: reshapes of a 2 x 3 leaf: PyTorch makes a view of some (a write into them is its RuntimeError "a view of a leaf
#: Variable ...") and copies the others (w.T is not contiguous), which PyTorch writes into (``_base`` is None)
RESHAPES = {
    "w.reshape(-1)": lambda t: t.reshape(-1),
    "w.T.reshape(-1)": lambda t: t.T.reshape(-1),
    "w.T.reshape(3, 2)": lambda t: t.T.reshape(3, 2),
    "w.T.reshape(3, 1, 2)": lambda t: t.T.reshape(3, 1, 2),
    "w.T.flatten()": lambda t: t.T.flatten(),
    "w[:, ::2].reshape(-1)": lambda t: t[:, ::2].reshape(-1),
    "w[:1].T.reshape(-1)": lambda t: t[:1].T.reshape(-1),
    "w.T.unsqueeze(0)": lambda t: t.T.unsqueeze(0),
    # indexing with ints is a view in PyTorch, even down to one element (NumPy gives a scalar of its own there: a
    # reviewer found `w[0, 1].add_(1)` called a copy after the memory rule for reshapes)
    "w[0, 1]": lambda t: t[0, 1],
    "w[1][2]": lambda t: t[1][2],
    "w[0].reshape(3, 1)": lambda t: t[0].reshape(3, 1),
}


@pytest.mark.parametrize("spelling", list(RESHAPES))
def test_a_reshape_is_a_view_of_a_leaf_exactly_where_torchs_is(torch, backend, spelling):
    """``w.T.reshape(-1).add_(1.)`` raised "a view of a leaf Variable ..." (every reshape was counted as a view);
    PyTorch's ``w.T.reshape(-1)`` is a copy. Now a reshape whose result shares the leaf's memory is a view (the
    RuntimeError), and a copy is an op's output, whose write is recorded as PyTorch records it."""
    reshape = RESHAPES[spelling]
    tw = torch.tensor(W, requires_grad=True)
    is_view_in_torch = reshape(tw)._base is not None
    w = tg.tensor(W, requires_grad=True, backend=backend)
    if is_view_in_torch:
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            reshape(tw).add_(1.0)
        with pytest.raises(RuntimeError, match="a view of a leaf Variable that requires grad"):
            reshape(w).add_(1.0)
    else:
        ty, y = reshape(tw).add_(1.0), reshape(w).add_(1.0)
        (ty * ty).sum().backward()
        (y * y).sum().backward()
        assert y.tolist() == ty.tolist() and w.grad.tolist() == tw.grad.tolist()
    assert w.tolist() == W


def test_the_transposed_reshape_of_the_brief_is_a_copy_on_every_backend(backend):
    """The reviewer's input itself, and the same reshape under ``no_grad()``: a copy, so the write leaves ``w`` as it
    was (as in PyTorch, where ``w.T.reshape(-1)._base is None``), and a reshape that is a view writes through."""
    w = tg.tensor(W, requires_grad=True, backend=backend)
    y = w.T.reshape(-1).add_(1.0)               # an op's output: recorded (PyTorch records it too)
    assert y.tolist() == [2.0, 5.0, 3.0, 6.0, 4.0, 7.0] and y.grad_fn.name() == "AddBackward"
    with tg.no_grad():
        copy = w.T.reshape(-1)
        copy.add_(1.0)
        assert copy.tolist() == [2.0, 5.0, 3.0, 6.0, 4.0, 7.0]
        assert w.tolist() == W
        w.reshape(-1).add_(1.0)
    assert w.tolist() == [[2.0, 3.0, 4.0], [5.0, 6.0, 7.0]]


PIECES = {
    "chunk": lambda t: t.chunk(2)[0],
    "unbind": lambda t: t.unbind(0)[0],
    "split": lambda t: t.split(1, dim=1)[2],
    "chunk of an op's output": lambda t: (t * 2).chunk(2)[1],
}


@pytest.mark.parametrize("spelling", list(PIECES))
def test_a_piece_of_split_chunk_unbind_is_torchs_runtime_error(torch, backend, spelling):
    """``w.chunk(2)[0].add_(1.)`` and ``w.unbind(0)[0].add_(1.)`` raised the TypeError of a copy; PyTorch raises
    RuntimeError "Output 0 of Split is a view and is being modified inplace. This view is the output of a function
    that returns multiple views. ..." (for a leaf's pieces and for those of an op's output)."""
    piece = PIECES[spelling]
    words = "is a view and is being modified inplace. This view is the output of a function that returns multiple views"
    with pytest.raises(RuntimeError, match=words):
        piece(torch.tensor(W, requires_grad=True)).add_(1.0)
    w = tg.tensor(W, requires_grad=True, backend=backend)
    with pytest.raises(RuntimeError, match=words):
        piece(w).add_(1.0)
    with pytest.raises(RuntimeError, match=words):
        piece(w).zero_()
    assert w.tolist() == W


def test_pieces_and_expand_under_no_grad_as_documented(torch, backend):
    """Under ``no_grad()`` a piece is a view (the write reaches the whole, as in PyTorch); ``expand`` is a copy here
    (PyTorch's is a view that the write reaches): the tensor expanded keeps its values, as documented."""
    x, tx = tg.tensor(W, backend=backend), torch.tensor(W)
    with tg.no_grad(), torch.no_grad():
        x.chunk(2)[0].add_(1.0)
        tx.chunk(2)[0].add_(1.0)
        x.unbind(1)[2].zero_()
        tx.unbind(1)[2].zero_()
    assert x.tolist() == tx.tolist() == [[2.0, 3.0, 0.0], [4.0, 5.0, 0.0]]
    t = tg.tensor([[1.0, 2.0]], backend=backend)
    with tg.no_grad():
        expanded = t.expand(3, 2)
        expanded.zero_()
    assert expanded.tolist() == [[0.0, 0.0]] * 3 and t.tolist() == [[1.0, 2.0]]
    # while gradients are recorded the expanded leaf counts as a view (PyTorch's RuntimeError, brief s47 item 4)
    assert tg.in_place.views_a_leaf(tg.tensor([[1.0, 2.0]], requires_grad=True).expand(3, 2)) is True


def test_connectivity_of_a_reshape_to_rank_3_says_it_is_not_drawn():
    """``Reshape((13, 4, 1))`` keeps all 13 steps, yet the error said it "regroups the values of 13 steps into 13
    rows": it now says that a target of rank 3 or more is not drawn. A Reshape that regroups steps keeps its
    message, and the one that keeps (steps, channels) is drawn (the identity, as a loop over the steps gives)."""
    from tinygradconv import viz
    from tinygradconv.layers import Input, Reshape
    from tinygradconv.models import Sequential

    model = Sequential([Input((13, 4)), Reshape((13, 4, 1)), Reshape((13, 4))])
    with pytest.raises(ValueError, match=r"Reshape\(\(13, 4, 1\)\)\) gives a target_shape of rank 3") as raised:
        viz.model_connectivity_matrix(model, 13)
    assert "rank 3 or more is not drawn, even one that keeps the 13 steps" in str(raised.value)
    assert "regroups" not in str(raised.value)
    regrouped = viz.model_connectivity_matrix(Sequential([Input((8, 4)), Reshape((2, 16))]), 8)  # drawn (s47)
    assert regrouped.tolist() == [[1.0] * 4 + [0.0] * 4, [0.0] * 4 + [1.0] * 4]     # 16 values: 4 steps of 4
    kept = viz.model_connectivity_matrix(Sequential([Input((13, 4)), Reshape((13, 4))]), 13)
    assert [[int(v) for v in row] for row in kept] == [[int(i == j) for j in range(13)] for i in range(13)]


def _report(checker, fn):
    with pytest.raises(AssertionError) as raised:
        checker(fn)
    return str(raised.value)


def test_counts_right_by_value_in_a_float_array_are_headed_as_a_wrong_dtype():
    """The reviewer's answer, right by its values (a loop from the formula), in a float64 array: the report's first
    line said the function "disagrees with the framework on this case" above ``expected [1] received [1.]``; it now
    says the values agree on every case and the dtype is wrong."""
    from tinygradconv.exercises import check_overlap_counts

    def fn(L, k, s):
        c = np.zeros((L - 1) * s + max(k, s))
        [c.__setitem__(slice(j * s, j * s + k), c[j * s:j * s + k] + 1) for j in range(L)]
        return c

    report = _report(check_overlap_counts, fn)
    assert report.startswith("check_overlap_counts: your function's values agree with the framework on every case, "
                             "but its result has the wrong dtype (shown on this case).\n"), report
    assert "disagrees" not in report and "your result is an array of float64" in report


def test_a_float32_result_of_the_right_values_is_headed_as_a_wrong_dtype():
    """The float32 rule (float64 in, float64 out): a right convolution (``y[n] = x[n*s: n*s + k] @ w``) cast to
    float32 at the end agrees to the tolerance on every case, and is refused for its dtype, which the header says."""
    from tinygradconv.exercises import check_conv1d

    def fn(x, w, strides):
        y = [x[n * strides: n * strides + len(w)] @ w for n in range((len(x) - len(w)) // strides + 1)]
        return np.array(y, dtype=np.float32)

    report = _report(check_conv1d, fn)
    assert report.startswith("check_conv1d: your function's values agree with the framework on every case to the "
                             "tolerance, but its result has the wrong dtype (shown on this case).\n"), report
    assert "disagrees" not in report and "float32" in report


def test_a_length_of_the_right_value_as_a_float_is_headed_as_a_wrong_type():
    """A length right by its value on every case but a float (``/`` where ``//`` gives an int): Keras' formula,
    floor((L - span) / s) + 1 for "valid", ceil(L / s) for "same", returned as a float."""
    import math

    from tinygradconv.exercises import check_conv_output_length

    def fn(input_length, kernel_size, strides, padding, dilation_rate):
        span = (kernel_size - 1) * dilation_rate + 1
        if padding == "valid":
            return float(max(0, (input_length - span) // strides + 1))
        return float(math.ceil(input_length / strides))

    report = _report(check_conv_output_length, fn)
    assert report.startswith("check_conv_output_length: your function's values agree with the framework on every "
                             "case, but its result has the wrong type (shown on this case).\n"), report


def test_the_hint_for_a_length_without_max_says_what_is_missing_in_words():
    """An array of the full transposed convolution's length, (L - 1) * s + k: the hint printed the whole answer,
    "(L - 1) * strides + max(k, strides)"; it now says in words what is missing (by hand, L = 1, k = 1, s = 2: the
    output has 2 steps, the last one reached by no input)."""
    from tinygradconv.exercises import check_overlap_counts

    def fn(L, k, s):
        c = np.zeros((L - 1) * s + k, dtype=int)
        for j in range(L):
            c[j * s: j * s + k] += 1
        return c

    report = _report(check_overlap_counts, fn)
    assert "input_length=1, kernel_size=1, strides=2" in report and "expected: [1, 0]" in report
    assert "max(" not in report
    assert "gives each of the L input steps strides output steps, the last input's too" in report
    assert "strides - k = 1 more step(s) after the last copy of the kernel, that no input reaches" in report


def test_no_checker_docstring_shown_by_help_passes_its_own_example():
    """help(check_overlap_counts) showed a complete working answer (its doctest printed True), and so did every
    checker's: each example is now a first guess that the checker refuses (its doctest shows the report's first
    line), so reading help() gives no answer away. The module docstrings are held to it too."""
    import re

    from tinygradconv import exercises
    from tinygradconv.exercises import checkers

    names = [name for name in exercises.__all__ if name.startswith("check_")]
    assert len(names) >= 17, names
    docs = {name: getattr(exercises, name).__doc__ for name in names}
    docs.update({"tinygradconv.exercises": exercises.__doc__, "tinygradconv.exercises.checkers": checkers.__doc__})
    for name, doc in docs.items():
        assert not re.search(r">>> check_\w+\([^\n]*\)\s*\n\s*True\b", doc), name
        if name.startswith("check_"):
            assert f">>> {name}(" in doc and "Traceback (most recent call last):" in doc, name
            assert f"AssertionError: {name}" in doc, name
