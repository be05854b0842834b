"""``t.median`` says what to write instead (as ``sort``, ``topk``, ``gather`` do), and what it says gives
PyTorch 2.13's median (the lower middle value), values and gradient."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


@pytest.mark.parametrize("backend", ["numpy", "array_api_strict"])
def test_median_names_what_to_write(backend):
    if backend == "array_api_strict":
        pytest.importorskip("array_api_strict")
    x = tg.tensor([1.0, 2.0], backend=backend)
    assert not hasattr(x, "median")
    with pytest.raises(AttributeError, match=r"has no attribute 'median' \(a PyTorch Tensor method\); there is no "
                                             r"median op; PyTorch's is the lower of the two middle values"):
        _ = x.median


def test_the_hinted_recipe_gives_torchs_median_and_gradient():
    rng = np.random.default_rng(0)
    data = rng.integers(0, 4, (5, 6)).astype(np.float64)        # even rows, with ties
    t = tg.tensor(data, requires_grad=True)
    dim = 1
    order = np.argsort(t.detach().numpy(), axis=dim, kind="stable")
    k = (t.shape[dim] - 1) // 2
    rows = np.arange(t.shape[0])
    values = t[rows, order[:, k]]
    values.sum().backward()
    reference = torch.tensor(data, requires_grad=True)
    expected = reference.median(dim=dim).values
    expected.sum().backward()
    np.testing.assert_array_equal(values.numpy(), expected.detach().numpy())
    # the gradient goes to one element of each row holding the median value (PyTorch's index may be another tie)
    assert np.array_equal(t.grad.numpy().sum(axis=1), reference.grad.numpy().sum(axis=1))
    np.testing.assert_array_equal(data[t.grad.numpy() == 1], expected.detach().numpy())   # one per row
