"""Constraints: projections against NumPy formulas written here, Keras axis semantics, both backends, lookup, config."""
import json

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import constraints as C

EPS = 1e-7  # Keras' backend.epsilon()


@pytest.fixture
def w():
    rng = np.random.default_rng(0)
    return rng.standard_normal((3, 4, 5)) * 3.0


def _norms(w, axis):
    axis = tuple(axis) if isinstance(axis, list) else axis
    return np.sqrt(np.sum(w * w, axis=axis, keepdims=True))


@pytest.mark.parametrize("axis", [0, 1, -1, [0, 1], None])
def test_max_norm(w, axis, backend):
    got = C.MaxNorm(2.5, axis=axis)(tg.Tensor(w, dtype="float64", backend=backend)).numpy()
    n = _norms(w, axis)
    np.testing.assert_allclose(got, w * np.clip(n, 0, 2.5) / (EPS + n), rtol=1e-12)
    assert np.all(_norms(got, axis) <= 2.5 + 1e-9)


@pytest.mark.parametrize("axis", [0, [0, 1]])
@pytest.mark.parametrize("rate", [1.0, 0.25])
def test_min_max_norm(w, axis, rate, backend):
    got = C.MinMaxNorm(4.0, 6.0, rate, axis)(tg.Tensor(w, dtype="float64", backend=backend)).numpy()
    n = _norms(w, axis)
    desired = rate * np.clip(n, 4.0, 6.0) + (1 - rate) * n
    np.testing.assert_allclose(got, w * desired / (EPS + n), rtol=1e-12)
    if rate == 1.0:
        new = _norms(got, axis)
        assert np.all((new >= 4.0 - 1e-5) & (new <= 6.0 + 1e-9))


def test_non_neg(backend):
    got = C.NonNeg()(tg.Tensor([-1.0, 0.0, 2.0, -0.5], dtype="float64", backend=backend)).numpy()
    assert got.tolist() == [0.0, 0.0, 2.0, 0.0]


def test_non_neg_keeps_nan_and_signed_zeros_as_keras(backend):
    """Found by a tester: NaN became 0, hiding a diverged weight. Hand-computed from Keras 3.15's results on torch:
    NaN stays NaN, -inf and -1 give +0.0, -0.0 stays -0.0, inf stays inf."""
    w = np.array([np.nan, -1.0, -np.inf, np.inf, -0.0, 0.0, 2.0])
    got = C.NonNeg()(tg.Tensor(w, dtype="float64", backend=backend)).numpy()
    np.testing.assert_array_equal(got, [np.nan, 0.0, 0.0, np.inf, -0.0, 0.0, 2.0])
    assert np.signbit(got).tolist() == [False, False, False, False, True, False, False]


@pytest.mark.parametrize("axis", [0, 2, [1, 2]])
def test_unit_norm(w, axis, backend):
    got = C.UnitNorm(axis)(tg.Tensor(w, dtype="float64", backend=backend)).numpy()
    np.testing.assert_allclose(got, w / (EPS + _norms(w, axis)), rtol=1e-12)
    np.testing.assert_allclose(_norms(got, axis), 1.0, atol=1e-6)


def test_keras_axis_semantics_on_a_dense_kernel():
    kernel = np.array([[3.0, 0.0], [4.0, 1.0]])  # (in, out): column 0 has norm 5, column 1 norm 1
    got = C.MaxNorm(2.0, axis=0)(tg.tensor(kernel, dtype="float64")).numpy()
    np.testing.assert_allclose(got[:, 0], [1.2, 1.6], rtol=1e-6)  # each unit's incoming weights rescaled
    np.testing.assert_allclose(got[:, 1], [0.0, 1.0], rtol=1e-6)


def test_defaults_are_keras():
    assert C.MaxNorm().get_config() == {"max_value": 2, "axis": 0}
    assert C.MinMaxNorm().get_config() == {"min_value": 0.0, "max_value": 1.0, "rate": 1.0, "axis": 0}
    assert C.UnitNorm().get_config() == {"axis": 0}
    assert C.NonNeg().get_config() == {}


def test_result_keeps_dtype_backend_and_records_no_graph(backend):
    x = tg.Tensor(np.ones((2, 3)), dtype="float32", backend=backend, requires_grad=True)
    for c in (C.MaxNorm(), C.MinMaxNorm(), C.NonNeg(), C.UnitNorm()):
        out = c(x)
        assert out.backend is x.backend and out.dtype == x.dtype and out.shape == x.shape
        assert not out.requires_grad


def test_accepts_arrays():
    assert C.NonNeg()(np.array([-1.0, 1.0])).numpy().tolist() == [0.0, 1.0]


def test_validation():
    with pytest.raises(TypeError, match="max_value"):
        C.MaxNorm("2")
    with pytest.raises(ValueError, match="max_value"):
        C.MaxNorm(-1.0)
    with pytest.raises(ValueError, match="min_value"):
        C.MinMaxNorm(2.0, 1.0)
    with pytest.raises(TypeError, match="axis"):
        C.UnitNorm(axis=1.5)
    with pytest.raises(TypeError, match="rate"):
        C.MinMaxNorm(rate=None)
    for rate in (-1.0, 1.5, float("nan")):            # found by a tester: -1 moved [[3.]] to [[5.]], outside [0, 1]
        with pytest.raises(ValueError, match=r"Invalid value for argument `rate`\. Expected a number in \[0, 1\]"):
            C.MinMaxNorm(0.0, 1.0, rate=rate)


@pytest.mark.parametrize("constraint, shown", [(C.MaxNorm(1.0, axis=5), "axis=5"),
                                               (C.UnitNorm(axis=[0, -3]), r"axis=\[0, -3\]"),
                                               (C.MinMaxNorm(axis=-3), "axis=-3")])
def test_an_axis_beyond_the_weight_names_the_constraint(constraint, shown):
    """Found by a tester: MaxNorm(axis=5) on a 2-D weight raised an error naming ``sum`` (the norm inside). Now the
    constraint, the weight's shape and the axis received; an AxisError is a ValueError."""
    name = type(constraint).__name__
    with pytest.raises(ValueError, match=rf"^{name} \(a weight of shape \(3, 4\)\): axis -?\d is out of range for a "
                                         rf"tensor with 2 dimensions\. Received: {shown}$"):
        constraint(np.ones((3, 4), np.float32))


@pytest.mark.parametrize("name, cls", [("max_norm", C.MaxNorm), ("MaxNorm", C.MaxNorm), ("min_max_norm", C.MinMaxNorm),
                                       ("non_neg", C.NonNeg), ("NonNeg", C.NonNeg), ("unit_norm", C.UnitNorm)])
def test_get_by_name(name, cls):
    assert type(C.get(name)) is cls


def test_get_other_identifiers():
    c = C.UnitNorm(1)
    assert C.get(c) is c
    assert C.get(None) is None
    assert type(C.get(C.NonNeg)) is C.NonNeg

    def clip(t):
        return t.clip(-1.0, 1.0)

    assert C.get(clip) is clip
    with pytest.raises(ValueError, match=r"Unknown constraint: 'maxnorm'.*max_norm"):
        C.get("maxnorm")
    with pytest.raises(ValueError, match="Could not interpret"):
        C.get(2)


@pytest.mark.parametrize("c", [C.MaxNorm(3.0, [0, 1]), C.MinMaxNorm(0.5, 2.0, 0.5, 1), C.NonNeg(), C.UnitNorm(-1)])
def test_serialize_round_trip(c, w):
    config = C.serialize(c)
    assert set(config) == {"class_name", "config"}
    restored = C.deserialize(json.loads(json.dumps(config)))
    assert type(restored) is type(c) and restored.get_config() == c.get_config()
    x = tg.tensor(w, dtype="float64")
    np.testing.assert_array_equal(restored(x).numpy(), c(x).numpy())
    assert C.serialize(None) is None
