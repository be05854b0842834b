"""s49 f17: the helpers shared by the new ops (one ``log_add_exp`` for ``logaddexp`` and ``logcumsumexp``, the
wider-float helpers in :mod:`tinygradconv.ops.wider_float`, ``round`` without its ``decimals == 0`` branch),
checked against PyTorch 2.13."""
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch")

NAN, INF = np.nan, np.inf
ROWS = np.array([[1.0, -INF, 0.5, 2.0], [-INF, -INF, 2.0, -INF], [INF, 1.0, INF, -INF], [NAN, 1.0, 2.0, 3.0],
                 [-0.0, 0.0, -0.0, 0.0], [800.0, 0.0, -800.0, 801.0], [-1000.0, 0.0, -1000.0, 5.0]])


def test_logcumsumexp_at_special_rows_is_torchs_bit_for_bit_in_float64():
    ours = tg.ops.logcumsumexp(tg.tensor(ROWS, dtype="float64"), axis=1).numpy()
    theirs = torch.logcumsumexp(torch.tensor(ROWS), 1).numpy()
    assert np.array_equal(ours, theirs, equal_nan=True)
    assert np.array_equal(np.signbit(ours[~np.isnan(ours)]), np.signbit(theirs[~np.isnan(theirs)]))


def test_logaddexp_and_logcumsumexp_agree_with_torch_at_every_special_pair():
    values = np.array([NAN, 0.0, -0.0, INF, -INF, 1.0, -1.0, 1000.0, -1000.0])
    a, b = (v.ravel() for v in np.meshgrid(values, values))
    pairs = np.stack([a, b], axis=1)
    theirs = torch.logaddexp(torch.tensor(a), torch.tensor(b)).numpy()
    assert np.array_equal(tg.ops.logaddexp(tg.tensor(a, dtype="float64"), tg.tensor(b, dtype="float64")).numpy(),
                          theirs, equal_nan=True)
    second = tg.ops.logcumsumexp(tg.tensor(pairs, dtype="float64"), axis=1).numpy()[:, 1]
    assert np.array_equal(second, torch.logcumsumexp(torch.tensor(pairs), 1).numpy()[:, 1], equal_nan=True)


@pytest.mark.parametrize("module", ["trigonometric", "hyperbolic", "exponential", "wider_float"])
def test_each_float_op_module_imports_first_in_a_fresh_interpreter(module):
    """No import cycle: trigonometric no longer imports hyperbolic (for the wider-float helpers) at call time."""
    code = f"import tinygradconv.ops.{module} as m; print(m.__name__)"
    done = subprocess.run([sys.executable, "-c", code], check=False, capture_output=True, text=True,
                          timeout=120, cwd=Path(__file__).resolve().parents[1])
    assert done.returncode == 0, done.stderr


def test_float32_ops_computed_wider_round_as_torch_at_students_points():
    x = np.array([100.0, 1000.0, 0.1], np.float32)
    assert tg.ops.log10(tg.tensor(x)).numpy().tolist() == torch.log10(torch.from_numpy(x)).numpy().tolist()
    angles = tg.ops.arctan(tg.tensor(x)).numpy()
    assert np.max(np.abs(angles.view(np.int32) - torch.atan(torch.from_numpy(x)).numpy().view(np.int32))) <= 1
    near_pole = np.float32(1.5707)                       # tan 10**4: computed in float64 (|tan| > 8)
    assert tg.ops.tan(tg.tensor([near_pole])).numpy()[0] == np.float32(np.tan(np.float64(near_pole)))


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_round_with_default_decimals_is_torch_round(dtype):
    x = np.array([0.5, 1.5, 2.5, -0.5, -2.5, 0.49999997, 1e30, -0.0])
    t = tg.tensor(x, dtype=dtype, requires_grad=True)
    y = tg.ops.round(t)
    theirs = torch.round(torch.tensor(x, dtype=getattr(torch, dtype)))
    assert y.numpy().tolist() == theirs.numpy().tolist()
    assert np.array_equal(np.signbit(y.numpy()), np.signbit(theirs.numpy()))
    assert tg.ops.round(t, decimals=0).numpy().tolist() == theirs.numpy().tolist()
    y.sum().backward()
    assert t.grad.numpy().tolist() == [0.0] * len(x)
