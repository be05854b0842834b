"""The gradient of ``x[rows]`` (an integer array on the first axis, the ``Embedding`` layer's gather) adds repeated
rows with ``np.add.at`` on the flat positions of their elements, not on the rows: NumPy's ``add.at`` with a 2-D value
array made the backward pass 6x PyTorch's (found by the speed tester, session 52). The sums keep their order, so
they are those of before to the bit; here against a float64 sum rounded to float32, PyTorch's index and embedding
backward, on every backend."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.ops import shape


def _float64_reference(n_rows, rows, g):
    """``g``'s rows added into zeros at ``rows`` in float64, a loop from the definition."""
    out = np.zeros((n_rows,) + g.shape[rows.ndim:])
    for position, row in np.ndenumerate(rows):
        out[row] += g[position].astype(np.float64)
    return out


@pytest.mark.parametrize("x_shape, rows_shape", [((64, 32), (500,)), ((10, 3, 4), (5, 7)), ((7, 5), (0,))])
def test_repeated_rows_add_up_as_a_float64_sum(x_shape, rows_shape, backend):
    rng = np.random.default_rng(0)
    rows = rng.integers(-x_shape[0], x_shape[0], rows_shape)       # negative rows count from the end
    g = rng.standard_normal(rows_shape + x_shape[1:]).astype(np.float32)
    x = tg.Tensor(rng.standard_normal(x_shape), dtype="float32", backend=backend, requires_grad=True)
    x[rows].backward(tg.Tensor(g, dtype="float32", backend=backend))
    want = _float64_reference(x_shape[0], rows % x_shape[0], g)
    counts = np.bincount((rows % x_shape[0]).ravel(), minlength=x_shape[0]).reshape((-1,) + (1,) * (len(x_shape) - 1))
    # float32 additions, one after the other: at most (count - 1) roundings of the running sum's size
    bound = np.maximum(counts - 1, 0) * np.finfo(np.float32).eps * _float64_reference(x_shape[0], rows % x_shape[0],
                                                                                       np.abs(g))
    assert x.grad.numpy().dtype == np.float32 and x.grad.shape == x_shape
    assert (np.abs(x.grad.numpy() - want) <= bound + np.spacing(np.abs(want).astype(np.float32))).all()


def test_rows_and_embedding_match_torch():
    torch = pytest.importorskip("torch", reason="PyTorch's index and embedding backward are the reference")
    rng = np.random.default_rng(1)
    rows = rng.integers(0, 256, 1000)
    a = rng.standard_normal((256, 512)).astype(np.float32)
    g = rng.standard_normal((1000, 512)).astype(np.float32)
    x = tg.tensor(a, requires_grad=True)
    x[rows].backward(tg.tensor(g))
    tx = torch.tensor(a, requires_grad=True)
    tx[torch.tensor(rows)].backward(torch.tensor(g))
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-5, atol=1e-5)

    layer = tg.layers.Embedding(100, 8)
    ids = rng.integers(0, 100, (16, 40))
    ge = rng.standard_normal((16, 40, 8)).astype(np.float32)
    layer(ids).backward(tg.tensor(ge))
    module = torch.nn.Embedding(100, 8)
    module(torch.tensor(ids)).backward(torch.tensor(ge))
    np.testing.assert_allclose(layer.embeddings.grad.numpy(), module.weight.grad.numpy(), rtol=1e-5, atol=1e-5)


def test_rows_are_added_through_flat_positions(monkeypatch):
    """The fast path is the one taken for ``x[rows]`` and for an ``Embedding`` (a row-wise ``np.add.at`` was the
    slow one), and its result is ``np.add.at``'s on rows to the bit, signed zeros included (0 + -0.0 is 0.0)."""
    taken = []
    original = shape._add_rows
    monkeypatch.setattr(shape, "_add_rows", lambda *args: taken.append(1) or original(*args))
    rng = np.random.default_rng(2)
    rows = rng.integers(0, 20, 300)
    g = rng.standard_normal((300, 6)).astype(np.float32)
    g[rows == 3] = -0.0
    x = tg.tensor(np.zeros((20, 6), np.float32), requires_grad=True)
    x[rows].backward(tg.tensor(g))
    expected = np.zeros((20, 6), np.float32)
    np.add.at(expected, rows, g)
    assert taken == [1]
    assert x.grad.numpy().tobytes() == expected.tobytes()
    layer = tg.layers.Embedding(20, 6)
    layer(rows.reshape(10, 30)).sum().backward()
    assert taken == [1, 1]
