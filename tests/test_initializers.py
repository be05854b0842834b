"""Initializers: fans by hand, distributions against their formulas (moments and bounds), seeds, lookup, config."""
import json
import math

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import initializers as I

BIG = (200, 300)  # 60 000 samples: sample moments within ~1% of the truth


def truncated_std_factor():
    """Standard deviation of a standard normal cut at +-2 (from the density, independently of the package)."""
    phi2 = math.exp(-2.0) / math.sqrt(2.0 * math.pi)
    mass = math.erf(2.0 / math.sqrt(2.0))
    return math.sqrt(1.0 - 2.0 * 2.0 * phi2 / mass)


# ------------------------------------------------------------------------------------------------ fans
@pytest.mark.parametrize("shape, fans", [
    ((), (1, 1)),
    ((7,), (7, 7)),
    ((3, 4), (3, 4)),
    ((3, 32, 128), (3 * 32, 3 * 128)),       # Conv1DTranspose kernel (k, filters, in): fan_in = k * filters
    ((2, 3, 4, 5), (2 * 3 * 4, 2 * 3 * 5)),
])
def test_compute_fans_by_hand(shape, fans):
    assert I.compute_fans(shape) == fans


def test_truncated_constant_is_the_truncated_normal_std():
    assert I.TRUNCATED_STDDEV == pytest.approx(truncated_std_factor(), abs=1e-12)


# ------------------------------------------------------------------------------------------------ constant kinds
def test_zeros_ones_constant():
    assert np.array_equal(I.Zeros()((2, 3)), np.zeros((2, 3)))
    assert np.array_equal(I.Ones()((4,)), np.ones(4))
    assert np.array_equal(I.Constant(2.5)((2, 2)), np.full((2, 2), 2.5))
    assert np.array_equal(I.Constant([1.0, 2.0])((3, 2)), np.array([[1.0, 2.0]] * 3))
    with pytest.raises(ValueError, match="cannot be broadcast"):
        I.Constant([1.0, 2.0])((3, 3))
    with pytest.raises(TypeError, match="value"):
        I.Constant("a")


def test_identity():
    assert np.array_equal(I.Identity()((3, 3)), np.eye(3))
    assert np.array_equal(I.Identity(gain=2.0)((2, 3)), 2.0 * np.array([[1, 0, 0], [0, 1, 0]]))
    with pytest.raises(ValueError, match="2D"):
        I.Identity()((2, 2, 2))


@pytest.mark.parametrize("dtype", [None, "float32", "float64", "float16", np.float64])
def test_dtype(dtype):
    w = I.GlorotUniform(seed=1)((3, 4), dtype=dtype)
    expected = "float32" if dtype is None else np.dtype(dtype).name
    assert w.dtype == np.dtype(expected)


def test_default_dtype_follows_floatx():
    previous = tg.config.floatx()
    try:
        tg.config.set_floatx("float64")
        assert I.Ones()((2,)).dtype == np.float64
    finally:
        tg.config.set_floatx(previous)


@pytest.mark.parametrize("dtype", ["int32", "bool", "complex64", "foo", 3, list, object()])
def test_non_float_dtype_rejected(dtype):
    with pytest.raises(ValueError, match="floating-point weights: expected dtype one of .* Received dtype="):
        I.Zeros()((2,), dtype=dtype)


def test_a_torch_dtype_is_read_by_name():
    """As ``tg.tensor(dtype=torch.float64)``: NumPy's "Cannot interpret 'torch.float64' as a data type" before
    (found by a tester); ``torch.int32`` is refused as ``"int32"`` is."""
    torch = pytest.importorskip("torch", reason="torch dtypes are the input")
    assert I.GlorotUniform(seed=1)((3, 4), dtype=torch.float64).dtype == np.float64
    with pytest.raises(ValueError, match="floating-point weights"):
        I.Zeros()((2,), dtype=torch.int32)


@pytest.mark.parametrize("shape", [(2, -1), (2.0, 3), "ab"])
def test_bad_shape_rejected(shape):
    with pytest.raises((ValueError, TypeError), match="shape"):
        I.Zeros()(shape)


# ------------------------------------------------------------------------------------------------ distributions
def test_random_normal_moments():
    w = I.RandomNormal(mean=1.0, stddev=2.0, seed=3)(BIG, dtype="float64")
    assert w.mean() == pytest.approx(1.0, abs=0.05)
    assert w.std() == pytest.approx(2.0, rel=0.03)


def test_random_normal_defaults_are_keras():
    init = I.RandomNormal()
    assert (init.mean, init.stddev, init.seed) == (0.0, 0.05, None)
    assert (I.RandomUniform().minval, I.RandomUniform().maxval) == (-0.05, 0.05)
    assert I.TruncatedNormal().stddev == 0.05


def test_random_uniform_moments_and_bounds():
    w = I.RandomUniform(-1.0, 3.0, seed=3)(BIG, dtype="float64")
    assert w.min() >= -1.0 and w.max() < 3.0
    assert w.min() < -0.99 and w.max() > 2.99
    assert w.mean() == pytest.approx(1.0, abs=0.03)
    assert w.var() == pytest.approx(16.0 / 12.0, rel=0.03)


def test_truncated_normal_moments_and_bounds():
    w = I.TruncatedNormal(mean=0.5, stddev=2.0, seed=3)(BIG, dtype="float64")
    assert w.min() >= 0.5 - 4.0 and w.max() <= 0.5 + 4.0
    assert w.min() < 0.5 - 3.9 and w.max() > 0.5 + 3.9  # the cut is at 2 sigma, not narrower
    assert w.mean() == pytest.approx(0.5, abs=0.05)
    assert w.std() == pytest.approx(2.0 * truncated_std_factor(), rel=0.03)


def _fan(shape, mode):
    if len(shape) == 2:
        fan_in, fan_out = shape
    else:  # (k, a, b)
        fan_in, fan_out = shape[0] * shape[1], shape[0] * shape[2]
    return {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
@pytest.mark.parametrize("distribution", ["truncated_normal", "untruncated_normal", "uniform"])
def test_variance_scaling_std_and_bounds(mode, distribution):
    shape = (5, 40, 300)  # (k, a, b): fan_in = 5*40 = 200, fan_out = 5*300 = 1500
    scale = 3.0
    w = I.VarianceScaling(scale, mode, distribution, seed=7)(shape, dtype="float64")
    target_std = math.sqrt(scale / _fan(shape, mode))
    assert w.std() == pytest.approx(target_std, rel=0.03)
    assert abs(w.mean()) < 0.03 * target_std
    if distribution == "uniform":
        limit = math.sqrt(3 * scale / _fan(shape, mode))
        assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    elif distribution == "truncated_normal":
        cut = 2 * math.sqrt(scale / _fan(shape, mode)) / truncated_std_factor()
        assert np.abs(w).max() <= cut * (1 + 1e-12) and np.abs(w).max() > 0.98 * cut
    else:
        assert np.abs(w).max() > 3.5 * target_std  # an untruncated normal has tails


def test_variance_scaling_normal_alias_and_validation():
    assert I.VarianceScaling(distribution="Normal").distribution == "truncated_normal"
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=0.0)
    with pytest.raises(ValueError, match="scale"):
        I.VarianceScaling(scale=-1.0)
    with pytest.raises(ValueError, match="mode"):
        I.VarianceScaling(mode="fan_sum")
    with pytest.raises(ValueError, match="distribution"):
        I.VarianceScaling(distribution="cauchy")


def test_variance_scaling_small_fans_use_at_least_one():
    w = I.VarianceScaling(1.0, "fan_in", "uniform", seed=0)((1000,), dtype="float64")  # fan_in = 1000
    assert np.abs(w).max() <= math.sqrt(3 / 1000)
    w = I.VarianceScaling(0.25, "fan_in", "uniform", seed=0)((), dtype="float64")  # fans (1, 1)
    assert abs(float(w)) <= math.sqrt(3 * 0.25)


@pytest.mark.parametrize("name, scale, mode, uniform", [
    ("glorot_uniform", 1.0, "fan_avg", True), ("glorot_normal", 1.0, "fan_avg", False),
    ("he_uniform", 2.0, "fan_in", True), ("he_normal", 2.0, "fan_in", False),
    ("lecun_uniform", 1.0, "fan_in", True), ("lecun_normal", 1.0, "fan_in", False),
])
def test_named_variance_scalings(name, scale, mode, uniform):
    shape = (300, 200)
    init = I.get(name)
    w = init(shape, dtype="float64")
    n = _fan(shape, mode)
    assert w.std() == pytest.approx(math.sqrt(scale / n), rel=0.03)
    if uniform:
        assert np.abs(w).max() <= math.sqrt(3 * scale / n)
    else:
        assert np.abs(w).max() <= 2 * math.sqrt(scale / n) / truncated_std_factor() * (1 + 1e-12)
    assert init.get_config() == {"seed": None, "input_axes": None, "output_axes": None}


def test_he_uniform_on_a_transposed_kernel_uses_k_times_filters():
    k, filters, c_in = 3, 8, 50
    w = I.HeUniform(seed=0)((k, filters, c_in), dtype="float64")
    limit = math.sqrt(6.0 / (k * filters))  # fan_in = k * filters (Keras: axis -2)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.95 * limit


@pytest.mark.parametrize("shape, gain", [((6, 4), 1.0), ((4, 6), 2.0), ((3, 2, 4), 0.5), ((5, 5), 1.0)])
def test_orthogonal(shape, gain):
    w = I.Orthogonal(gain=gain, seed=0)(shape, dtype="float64")
    assert w.shape == shape
    flat = w.reshape(-1, shape[-1])
    rows, cols = flat.shape
    gram = flat.T @ flat if rows >= cols else flat @ flat.T
    np.testing.assert_allclose(gram, gain**2 * np.eye(min(rows, cols)), atol=1e-12)


def test_orthogonal_needs_two_dimensions():
    with pytest.raises(ValueError, match="at least two-dimensional"):
        I.Orthogonal()((5,))


# ------------------------------------------------------------------------------------------------ seeds
@pytest.mark.parametrize("cls", [I.RandomNormal, I.RandomUniform, I.TruncatedNormal, I.GlorotUniform, I.HeNormal,
                                 I.Orthogonal, I.VarianceScaling])
def test_int_seed_is_reproducible(cls):
    a = cls(seed=11)((5, 6))
    b = cls(seed=11)((5, 6))
    c = cls(seed=11)
    assert np.array_equal(a, b)
    assert np.array_equal(c((5, 6)), c((5, 6)))  # an int seed gives the same values on every call (Keras 3)
    assert not np.array_equal(a, cls(seed=12)((5, 6)))


def test_unseeded_draws_follow_the_package_seed():
    init = I.GlorotUniform()
    tg.random.set_seed(5)
    first, second = init((4, 4)), init((4, 4))
    assert not np.array_equal(first, second)
    tg.random.set_seed(5)
    assert np.array_equal(init((4, 4)), first)
    assert np.array_equal(init((4, 4)), second)


@pytest.mark.parametrize("seed", [-1, 1.5, "1", True])
def test_bad_seed(seed):
    with pytest.raises(ValueError, match="seed"):
        I.RandomNormal(seed=seed)


def test_argument_validation():
    with pytest.raises(ValueError, match="minval"):
        I.RandomUniform(1.0, 0.0)
    with pytest.raises(ValueError, match="stddev"):
        I.RandomNormal(stddev=-1.0)
    with pytest.raises(TypeError, match="mean"):
        I.TruncatedNormal(mean="0")
    with pytest.raises(ValueError, match="gain"):
        I.Orthogonal(gain=float("nan"))


# ------------------------------------------------------------------------------------------------ lookup and config
@pytest.mark.parametrize("name, cls", [
    ("zeros", I.Zeros), ("Zeros", I.Zeros), ("zero", I.Zeros), ("ones", I.Ones), ("one", I.Ones),
    ("constant", I.Constant), ("random_normal", I.RandomNormal), ("normal", I.RandomNormal),
    ("random_uniform", I.RandomUniform), ("uniform", I.RandomUniform), ("truncated_normal", I.TruncatedNormal),
    ("glorot_uniform", I.GlorotUniform), ("GlorotUniform", I.GlorotUniform), ("glorot_normal", I.GlorotNormal),
    ("he_uniform", I.HeUniform), ("he_normal", I.HeNormal), ("lecun_uniform", I.LecunUniform),
    ("lecun_normal", I.LecunNormal), ("variance_scaling", I.VarianceScaling), ("orthogonal", I.Orthogonal),
    ("identity", I.Identity),
])
def test_get_by_name(name, cls):
    assert type(I.get(name)) is cls


def test_get_other_identifiers():
    inst = I.HeNormal(seed=3)
    assert I.get(inst) is inst
    assert type(I.get(I.Orthogonal)) is I.Orthogonal

    def fn(shape, dtype=None):
        return np.full(shape, 7.0)

    assert I.get(fn) is fn
    assert I.get(None) is None
    built = I.get({"class_name": "RandomNormal", "config": {"mean": 1.0, "stddev": 0.5, "seed": 2}})
    assert (built.mean, built.stddev, built.seed) == (1.0, 0.5, 2)
    keras_style = {"module": "keras.initializers", "class_name": "GlorotUniform", "config": {"seed": None},
                   "registered_name": None}
    assert type(I.get(keras_style)) is I.GlorotUniform


def test_unknown_name_lists_valid_names():
    with pytest.raises(ValueError, match=r"Unknown initializer: 'glorot'.*glorot_uniform"):
        I.get("glorot")
    with pytest.raises(ValueError, match="Could not interpret"):
        I.get(3)
    with pytest.raises(ValueError, match="class_name"):
        I.get({"config": {}})


@pytest.mark.parametrize("init", [
    I.Zeros(), I.Ones(), I.Constant(3.0), I.Constant([1.0, 2.0]), I.RandomNormal(0.1, 0.2, seed=1),
    I.RandomUniform(-2.0, 1.0), I.TruncatedNormal(stddev=3.0, seed=4),
    I.VarianceScaling(2.0, "fan_out", "uniform", seed=5), I.GlorotUniform(seed=6), I.GlorotNormal(), I.HeUniform(),
    I.HeNormal(seed=1), I.LecunUniform(), I.LecunNormal(), I.Orthogonal(gain=1.5, seed=2), I.Identity(gain=3.0),
])
def test_serialize_round_trip(init):
    config = I.serialize(init)
    assert set(config) == {"class_name", "config"}
    assert config["class_name"] == type(init).__name__
    restored = I.deserialize(json.loads(json.dumps(config)))
    assert type(restored) is type(init)
    assert restored.get_config() == init.get_config()
    shape = (3, 2)
    if getattr(init, "seed", None) is not None or not isinstance(init, I.RandomInitializer):
        assert np.array_equal(restored(shape), init(shape))


def test_keras_config_keys():
    assert I.VarianceScaling().get_config() == {"scale": 1.0, "mode": "fan_in", "distribution": "truncated_normal",
                                                "seed": None, "input_axes": None, "output_axes": None}
    assert I.Constant(2.0).get_config() == {"value": 2.0}
    assert I.Orthogonal().get_config() == {"gain": 1.0, "seed": None}
    assert I.Identity().get_config() == {"gain": 1.0}
    assert I.serialize(None) is None


# ---------------------------------------------------------------------------------------- input_axes, output_axes
AXES = [((3, 4, 5), [0, 1], [2]), ((3, 4, 5), [-1], [0]), ((3, 4, 5), [], [1]), ((6, 7), (1,), (0,)),
        ((2, 3, 4, 5), [0, 1, 2], [3]), ((2, 3, 4, 5), [0, 2], [1, -1]), ((8,), [0], [0])]
VARIANCE_SCALINGS = [("VarianceScaling", {"scale": 2.0, "mode": "fan_out", "distribution": "uniform"}),
                     ("GlorotUniform", {}), ("GlorotNormal", {}), ("HeUniform", {}), ("HeNormal", {}),
                     ("LecunUniform", {}), ("LecunNormal", {})]


@pytest.mark.parametrize("shape, input_axes, output_axes", AXES)
def test_compute_fans_with_axes_as_keras(shape, input_axes, output_axes):
    keras_on_torch("Keras 3.15's compute_fans with input_axes/output_axes is the reference")
    from keras.src.initializers.random_initializers import compute_fans

    expected = compute_fans(shape, input_axes=list(input_axes), output_axes=list(output_axes))
    assert I.compute_fans(shape, input_axes, output_axes) == expected


@pytest.mark.parametrize("mode", ["fan_in", "fan_out", "fan_avg"])
def test_variance_scaling_with_axes_uses_their_fans(mode):
    shape = (30, 4, 500)          # default fans (120, 2000); with the axes below (15000, 4)
    fan_in, fan_out = 30 * 500, 4
    n = {"fan_in": fan_in, "fan_out": fan_out, "fan_avg": (fan_in + fan_out) / 2}[mode]
    w = I.VarianceScaling(3.0, mode, "uniform", seed=1, input_axes=[0, -1], output_axes=[1])(shape, dtype="float64")
    limit = math.sqrt(3 * 3.0 / n)
    assert np.abs(w).max() <= limit and np.abs(w).max() > 0.99 * limit
    w = I.HeNormal(seed=2, input_axes=[1], output_axes=[0])(shape, dtype="float64")     # fan_in = 4
    assert w.std() == pytest.approx(math.sqrt(2.0 / 4), rel=0.03)
    w = I.GlorotUniform(seed=3, input_axes=[0, 2], output_axes=[1])(shape, dtype="float64")
    assert np.abs(w).max() <= math.sqrt(6 / (fan_in + fan_out)) and np.abs(w).max() > 0.99 * math.sqrt(
        6 / (fan_in + fan_out))


@pytest.mark.parametrize("name, kwargs", VARIANCE_SCALINGS)
@pytest.mark.parametrize("axes", [{}, {"input_axes": [0, 1], "output_axes": [2]}])
def test_variance_scaling_axes_round_trip_with_keras(name, kwargs, axes):
    keras = keras_on_torch("Keras 3.15's initializer configs (input_axes, output_axes) are the reference")
    theirs = getattr(keras.initializers, name)(seed=4, **kwargs, **axes)
    ours = getattr(I, name)(seed=4, **kwargs, **axes)
    assert ours.get_config() == theirs.get_config()         # the same keys, None axes written too
    from_keras = I.get(json.loads(json.dumps(keras.initializers.serialize(theirs))))
    assert type(from_keras) is type(ours) and from_keras.get_config() == theirs.get_config()
    back = keras.initializers.deserialize(json.loads(json.dumps(I.serialize(ours))))
    assert type(back) is type(theirs) and back.get_config() == theirs.get_config()
    shape = (3, 4, 50)
    their_fans = keras.src.initializers.random_initializers.compute_fans(shape, theirs.input_axes,
                                                                         theirs.output_axes)
    assert I.compute_fans(shape, from_keras.input_axes, from_keras.output_axes) == their_fans


def test_model_json_with_axes_both_ways():
    keras = keras_on_torch("Keras 3.15's model JSON with a VarianceScaling(input_axes=...) kernel is the reference")
    init = keras.initializers.VarianceScaling(2.0, input_axes=[0, 1], output_axes=[2])
    model = keras.Sequential([keras.Input((8, 2)), keras.layers.Conv1D(3, 3, kernel_initializer=init)])
    ours = tg.models.model_from_json(model.to_json())
    assert ours.layers[0].kernel_initializer.get_config() == init.get_config()
    again = keras.models.model_from_json(ours.to_json())
    assert again.layers[0].kernel_initializer.get_config() == init.get_config()


def test_keras_json_writes_the_initializer_config_as_keras():
    """As Keras 3.15 writes it: GlorotUniform's None axes included (a user compared the two files)."""
    keras = keras_on_torch("Keras 3.15's model JSON is the reference")
    model = tg.models.Sequential([tg.layers.Input((8, 2)), tg.layers.Conv1D(3, 3)])
    theirs = keras.Sequential([keras.Input((8, 2)), keras.layers.Conv1D(3, 3)])
    written = json.loads(model.to_json())["config"]["layers"][1]["config"]["kernel_initializer"]
    expected = json.loads(theirs.to_json())["config"]["layers"][1]["config"]["kernel_initializer"]
    assert written == expected and list(written["config"]) == ["seed", "input_axes", "output_axes"]
    read = keras.models.model_from_json(model.to_json()).layers[0].kernel_initializer
    assert read.get_config() == keras.initializers.GlorotUniform().get_config()


def test_axes_validation():
    with pytest.raises(ValueError, match=r"`output_axes`.*input_axes=\[0\], output_axes=None"):
        I.VarianceScaling(input_axes=[0])           # Keras ignores one alone, silently
    with pytest.raises(ValueError, match=r"`input_axes`.*input_axes=None, output_axes=\[1\]"):
        I.HeUniform(output_axes=[1])
    with pytest.raises(TypeError, match=r"`input_axes`.*a list of integers.*input_axes=1 of type int"):
        I.GlorotUniform(input_axes=1, output_axes=[0])
    with pytest.raises(TypeError, match=r"`output_axes`.*output_axes=\[1.0\]"):
        I.GlorotUniform(input_axes=[0], output_axes=[1.0])
    init = I.VarianceScaling(input_axes=[0, 3], output_axes=[1])
    with pytest.raises(ValueError, match=r"`input_axes`: axis 3 is out of range .*\(3, 4, 5\).*\[-3, 2\]"):
        init((3, 4, 5))
    with pytest.raises(ValueError, match=r"`output_axes`: axis 0 .* more than once. Received output_axes=\[0, -3\]"):
        I.compute_fans((3, 4, 5), [1], [0, -3])
    with pytest.raises(TypeError, match=r"argument `kernel_axes` is not supported.*input_axes.*kernel_axes=\[0\]"):
        I.get({"class_name": "HeNormal", "config": {"kernel_axes": [0]}})


def test_names_are_keras_name_table():
    """Every name Keras 3's ``initializers.get`` knows (its ALL_OBJECTS_DICT, aliases included) gives the initializer
    of the same class here; only STFT, which this package lacks, is refused, and said to be not supported."""
    keras = keras_on_torch("Keras 3.15's table of initializer names is the reference")
    from keras.src import initializers as keras_initializers

    theirs = keras_initializers.ALL_OBJECTS_DICT
    stft = {"STFT", "STFTInitializer", "stft"}
    assert set(I.ALL_OBJECTS) == set(theirs) - stft
    for name in sorted(set(theirs) - stft - {"Constant", "constant"}):       # Keras' get("constant") fails
        assert type(I.get(name)).__name__ == type(keras.initializers.get(name)).__name__, name
    assert type(I.get("IdentityInitializer")) is I.Identity
    assert type(I.get({"class_name": "OrthogonalInitializer", "config": {"gain": 2.0}})) is I.Orthogonal
    for name in sorted(stft):
        with pytest.raises(ValueError, match=rf"'{name}' is Keras 3's STFT initializer .* does not support"):
            I.get(name)
    with pytest.raises(ValueError, match="'STFT' .* does not support"):
        I.deserialize({"class_name": "STFT", "config": {}})
    with pytest.raises(ValueError, match=r"Unknown initializer: 'Orthogonal_Initializer'. Valid names: \["):
        I.get("Orthogonal_Initializer")
