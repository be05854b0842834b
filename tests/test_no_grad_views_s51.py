"""A view made under ``no_grad()`` of a tensor that requires grad, then written in place with grad mode on, is
refused as PyTorch 2.13 refuses it (``RuntimeError``: "A view was created in no_grad mode and is being modified
inplace with grad mode enabled"); what PyTorch allows (writing it under ``no_grad()``, a view of a tensor that does
not require grad, a copy) stays allowed. Each case runs on our backends, and on PyTorch where it is installed (the
reference; skipped visibly without it)."""
import copy
import pickle

import numpy as np
import pytest

import tinygradconv as tg

BACKENDS = ["numpy", "array_api_strict"]
# PyTorch's words (for a view of such a view: "... is a view of a view which was created in no_grad mode ...")
MESSAGE = "created in no_grad mode and is being modified inplace with grad mode enabled"


class Torch:
    """PyTorch spelled as the cases spell tinygradconv (``make``, ``no_grad``)."""

    def __init__(self):
        self.torch = pytest.importorskip("torch", reason="PyTorch is the reference of the refusals")

    def make(self, values, requires_grad=False):
        return self.torch.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad)

    def no_grad(self):
        return self.torch.no_grad()


class Ours:
    def __init__(self, backend):
        if backend == "array_api_strict":
            pytest.importorskip("array_api_strict")
        self.backend = backend

    def make(self, values, requires_grad=False):
        return tg.tensor(np.asarray(values, dtype=np.float64), requires_grad=requires_grad, backend=self.backend)

    def no_grad(self):
        return tg.no_grad()


def libraries():
    return [pytest.param("torch", id="torch")] + [pytest.param(b, id=b) for b in BACKENDS]


def library(name):
    return Torch() if name == "torch" else Ours(name)


VIEWS = {
    "slice": lambda y: y[0:2],
    "int index": lambda y: y[1],
    "int then slice": lambda y: y.reshape(3, 2)[0][0:1],
    "reshape": lambda y: y.reshape(2, 3),
    "view": lambda y: y.view(3, 2),
    "unsqueeze": lambda y: y.unsqueeze(0),
    "transpose": lambda y: y.reshape(2, 3).transpose(0, 1),
    "T": lambda y: y.reshape(2, 3).T,
    "split piece": lambda y: y.split(2)[0],
    "expand (stretches nothing)": lambda y: y.reshape(6, 1).expand(6, 1),
}
WRITES = {
    "add_": lambda v, w: v.add_(1.0),
    "mul_": lambda v, w: v.mul_(2.0),
    "+=": lambda v, w: v.__iadd__(1.0),
    "t[...] = 5": lambda v, w: v.__setitem__(..., 5.0),
    "zero_": lambda v, w: v.zero_(),
    "fill_": lambda v, w: v.fill_(3.0),
    "clamp_": lambda v, w: v.clamp_(0.0, 1.0),
}
VALUES = [1.0, 2.0, 3.0, 4.0, 5.0, 6.0]


def outcome(call):
    """``'refused'`` for PyTorch's RuntimeError, ``'ok'``, or the other error."""
    try:
        call()
    except RuntimeError as error:
        if MESSAGE in str(error):
            return "refused"
        return f"RuntimeError: {error}"
    return "ok"


@pytest.mark.parametrize("lib", libraries())
@pytest.mark.parametrize("write", WRITES, ids=list(WRITES))
@pytest.mark.parametrize("view", VIEWS, ids=list(VIEWS))
@pytest.mark.parametrize("base", ["op output", "leaf"])
def test_a_view_made_under_no_grad_is_not_written_with_grad_on(lib, view, write, base):
    lib = library(lib)
    leaf = lib.make(VALUES, requires_grad=True)
    y = leaf * 1 if base == "op output" else leaf
    with lib.no_grad():
        v = VIEWS[view](y)
    before = np.asarray(y.detach().numpy()).copy()
    assert outcome(lambda: WRITES[write](v, None)) == "refused"
    np.testing.assert_array_equal(y.detach().numpy(), before)       # refused before anything was written


@pytest.mark.parametrize("lib", libraries())
def test_a_view_of_a_no_grad_view_taken_with_grad_on_is_refused_too(lib):
    lib = library(lib)
    y = lib.make(VALUES, requires_grad=True) * 1
    with lib.no_grad():
        v = y[1:5]
    assert outcome(lambda: v[0:2].mul_(2.0)) == "refused"
    assert outcome(lambda: v.reshape(2, 2)[0].add_(1.0)) == "refused"


@pytest.mark.parametrize("lib", libraries())
def test_a_value_that_requires_grad_is_refused_into_a_no_grad_view_of_a_plain_tensor(lib):
    """PyTorch refuses it even where the viewed tensor does not require grad: the write would join the graph."""
    lib = library(lib)
    x = lib.make(VALUES)
    w = lib.make([1.0, 2.0], requires_grad=True)
    with lib.no_grad():
        v = x[0:2]
    assert outcome(lambda: v.add_(w * 1)) == "refused"
    assert outcome(lambda: v.copy_(w * 1)) == "refused"
    assert x.detach().numpy().tolist() == VALUES


@pytest.mark.parametrize("lib", libraries())
def test_what_torch_allows_stays_allowed(lib):
    lib = library(lib)
    # the view written under no_grad() too
    y = lib.make(VALUES, requires_grad=True) * 1
    with lib.no_grad():
        v = y[0:2]
        v.add_(1.0)
    assert y.detach().numpy().tolist() == [2.0, 3.0, 3.0, 4.0, 5.0, 6.0]
    # a view of a tensor that does not require grad, written with numbers
    x = lib.make(VALUES)
    with lib.no_grad():
        v = x[0:2]
    v.add_(1.0)
    v[0] = 7.0
    assert x.numpy().tolist() == [7.0, 3.0, 3.0, 4.0, 5.0, 6.0]
    # a copy (advanced indexing), a detached view, and the viewed tensor itself
    y = lib.make(VALUES, requires_grad=True) * 1
    with lib.no_grad():
        c, v = y[[0, 1]], y[0:2]
    c.add_(1.0)
    v.detach().add_(1.0)
    y.mul_(2.0)
    assert y.detach().numpy().tolist() == [4.0, 6.0, 6.0, 8.0, 10.0, 12.0]
    # a view taken and written with grad on: recorded, as before
    y = lib.make(VALUES, requires_grad=True) * 1
    y[0:2].add_(1.0)
    assert y.detach().numpy().tolist() == [2.0, 3.0, 3.0, 4.0, 5.0, 6.0]


@pytest.mark.parametrize("backend", BACKENDS)
def test_a_copy_or_pickle_of_a_no_grad_view_is_a_tensor_of_its_own(backend):
    """``copy.deepcopy`` and pickling give a tensor that views nothing (as PyTorch's deepcopy): it is written in
    place freely, and the viewed tensor (with its graph) is not copied or pickled with it."""
    lib = Ours(backend)
    y = lib.make(VALUES, requires_grad=True) * 1
    with lib.no_grad():
        v = y[0:2]
    for other in (copy.deepcopy(v), pickle.loads(pickle.dumps(v))):
        other.add_(1.0)
        assert other.numpy().tolist() == [2.0, 3.0]
    assert y.detach().numpy().tolist() == VALUES
