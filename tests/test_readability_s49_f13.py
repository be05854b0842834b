"""s49 f13: one definition per public name, one (values, indices) result type, keyword arguments to the recurrent
cells, and the layers Keras builds when made; each checked against torch or Keras."""
import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")


def test_ops_log1p_is_the_documented_function_and_matches_torch():
    from tinygradconv.ops import exponential

    assert tg.ops.log1p is exponential.log1p
    assert "keras.ops.log1p" in tg.ops.log1p.__doc__
    values = np.array([-0.5, 0.0, 1e-10, 3.0], dtype=np.float32)
    x = tg.tensor(values, requires_grad=True)
    y = tg.ops.log1p(x)
    tx = torch.tensor(values, requires_grad=True)
    ty = torch.log1p(tx)
    np.testing.assert_array_equal(y.numpy(), ty.detach().numpy())
    y.sum().backward()
    ty.sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-6)
