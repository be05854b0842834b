"""The Keras layers a beginner reaches for first (a tester porting Keras' guides found them missing): 1-D pooling,
``Embedding``, the lower-case merge functions, and the hint a missing layer name gives. Values and gradients against
Keras 3.15 on torch (skipped, visibly, without it) and hand-computed cases."""
import itertools
import json
import types
import zipfile

import numpy as np
import pytest
from helpers import keras_on_torch

import tinygradconv as tg
from tinygradconv import layers, models
from tinygradconv.layers import layer as layer_module
from tinygradconv.ops.pooling import avg_pool1d, max_pool1d

pytestmark = pytest.mark.filterwarnings("ignore:__array__ implementation:DeprecationWarning")   # inside Keras


def _torch():
    return pytest.importorskip("torch", reason="Keras on torch is the reference")


# ------------------------------------------------------------------------------------------- hand-computed cases
def test_max_pool_by_hand_first_maximum_and_overlap():
    x = tg.tensor(np.array([1.0, 5.0, 3.0, 3.0, 4.0]).reshape(1, 5, 1), requires_grad=True)
    y = max_pool1d(x, 2, strides=1)                     # windows [1,5] [5,3] [3,3] [3,4]
    assert y.numpy().ravel().tolist() == [5.0, 5.0, 3.0, 4.0]
    y.backward(tg.tensor(np.array([1.0, 10.0, 100.0, 1000.0]).reshape(1, 4, 1)))
    # step 1 wins two overlapping windows (1 + 10); the tie [3, 3] goes to its first step (2)
    assert x.grad.numpy().ravel().tolist() == [0.0, 11.0, 100.0, 0.0, 1000.0]


def test_max_pool_nan_takes_the_gradient_last_nan_first():
    x = tg.tensor(np.array([np.nan, np.nan, 1.0, 5.0]).reshape(1, 4, 1), requires_grad=True)
    y = max_pool1d(x, 3, strides=1)                     # torch: a NaN wins, and a later NaN wins over an earlier
    assert np.isnan(y.numpy()).all()
    y.sum().backward()
    assert x.grad.numpy().ravel().tolist() == [0.0, 2.0, 0.0, 0.0]


def test_avg_pool_same_padding_divisors_by_hand():
    x = np.array([1.0, 5.0, 3.0, 2.0, 4.0]).reshape(1, 5, 1)
    # pool 3, stride 1: padding (1, 1), left to torch: the edge windows divide by 2 real steps
    assert avg_pool1d(x, 3, 1, "same").numpy().ravel().tolist() == pytest.approx([3.0, 3.0, 10 / 3, 3.0, 3.0])
    # pool 2, stride 1: padding (0, 1), Keras repeats the last step: (4 + 4) / 2
    assert avg_pool1d(x, 2, 1, "same").numpy().ravel().tolist() == [3.0, 4.0, 2.5, 3.0, 4.0]
    xt = tg.tensor(x, requires_grad=True)
    avg_pool1d(xt, 2, 1, "same").sum().backward()
    assert xt.grad.numpy().ravel().tolist() == [0.5, 1.0, 1.0, 1.0, 1.5]   # the copy's half goes to step 4


def test_shorter_than_the_pool():
    assert max_pool1d(np.ones((1, 2, 1)), 4, padding="same").shape == (1, 1, 1)
    with pytest.raises(ValueError, match=r"2 steps are fewer than pool_size=4.*padding='same'"):
        max_pool1d(np.ones((1, 2, 1)), 4)
    with pytest.raises(ValueError, match=r"2 steps are fewer than pool_size=4"):
        layers.AveragePooling1D(4).compute_output_shape((None, 2, 3))


def test_global_pooling_by_hand():
    x = tg.tensor(np.array([[[1.0, 4.0], [3.0, 4.0]]]), requires_grad=True)
    y = layers.GlobalMaxPooling1D()(x)
    assert y.numpy().tolist() == [[3.0, 4.0]]
    y.sum().backward()
    assert x.grad.numpy().tolist() == [[[0.0, 0.5], [1.0, 0.5]]]         # a tie is split evenly (torch.amax)
    assert layers.GlobalAveragePooling1D(data_format="channels_first", keepdims=True)(x).numpy().tolist() == \
        [[[2.5], [3.5]]]


# ------------------------------------------------------------------------------------------- against Keras on torch
@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_pooling_ops_match_keras_values_and_gradients(dtype):
    keras = keras_on_torch("Keras 3.15 on torch is the reference of the pooling ops")
    torch = _torch()
    rng = np.random.default_rng(0)
    checked = 0
    # pool sizes up to 6: padding of 2 and more steps on each side, whose gradients torch adds in a set order
    for steps, k, s, padding in itertools.product((1, 2, 3, 5, 8), (1, 2, 3, 4, 5, 6), (1, 2, 3), ("valid", "same")):
        if padding == "valid" and steps < k:
            continue
        x = rng.integers(-3, 4, (2, steps, 3)).astype(dtype)        # small integers: ties on purpose
        x[0, 0, 0] = np.nan
        if steps > 2:
            x[1, 1, 1], x[1, 2, 2], x[0, 2, 1] = -np.inf, np.nan, np.inf
        for ours, theirs in ((max_pool1d, keras.ops.max_pool), (avg_pool1d, keras.ops.average_pool)):
            t = torch.tensor(x, requires_grad=True)
            expected = theirs(t, k, s, padding)
            upstream = rng.standard_normal(tuple(expected.shape)).astype(dtype)
            expected.backward(torch.tensor(upstream))
            xt = tg.tensor(x, requires_grad=True)
            got = ours(xt, k, s, padding)
            got.backward(tg.tensor(upstream))
            where = f"{ours.__name__} steps={steps} k={k} s={s} {padding}"
            assert got.numpy().dtype == np.dtype(dtype), where
            # bit for bit: same choices, same divisors, same order of sums (float16 averages via float32)
            np.testing.assert_array_equal(got.numpy(), expected.detach().numpy(), err_msg=where)
            np.testing.assert_array_equal(xt.grad.numpy(), t.grad.numpy(), err_msg=where)
            checked += 1
    assert checked == 2 * 141                # every (steps, k, s, padding) above with a window to compute


def _same_bits(got, expected, where):
    """Equal values, NaNs in the same places, and the same sign of every zero (assert_array_equal alone takes
    -0.0 for +0.0)."""
    np.testing.assert_array_equal(got, expected, err_msg=where)
    np.testing.assert_array_equal(np.signbit(got), np.signbit(expected), err_msg=f"sign: {where}")


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
@pytest.mark.parametrize("upstream_kind", ["finite", "with -0.0, inf and NaN"])
def test_max_pool_signed_zeros_nans_and_infinite_gradients_match_keras(dtype, upstream_kind, on_backend):
    """The fast path's branches: ties between -0.0 and +0.0 (the first one's sign kept), NaNs in every position of
    a window, windows of -inf only, upstream gradients that are not finite (multiplying by a 0/1 mask would make
    NaN there), both paddings and both data formats; bit for bit against Keras on torch, on every backend."""
    if on_backend == "array_api_strict" and dtype == "float16":
        pytest.skip("array-api-strict has no float16")
    keras = keras_on_torch("Keras 3.15 on torch is the reference of max_pool")
    torch = _torch()
    rng = np.random.default_rng(7)
    checked = 0
    for steps, k, s, padding, data_format in itertools.product(
            (1, 4, 9), (1, 2, 3, 4), (1, 2, 3), ("valid", "same"), ("channels_last", "channels_first")):
        if padding == "valid" and steps < k:
            continue
        x = rng.choice(np.array([0.0, -0.0, 0.0, -0.0, 1.0, -1.0, -np.inf, np.nan], dtype=dtype), (2, steps, 5))
        x[1, :, 4] = -np.inf                                   # a channel of -inf only
        x[1, :, 3] = np.where(np.arange(steps) % 2, 0.0, -0.0)  # alternating zeros only
        if data_format == "channels_first":
            x = np.ascontiguousarray(x.transpose(0, 2, 1))
        t = torch.tensor(x, requires_grad=True)
        expected = keras.ops.max_pool(t, k, s, padding, data_format=data_format)
        upstream = rng.standard_normal(tuple(expected.shape)).astype(dtype)
        if upstream_kind != "finite":
            upstream.flat[::3], upstream.flat[1::7], upstream.flat[2::11] = -0.0, np.inf, np.nan
        expected.backward(torch.tensor(upstream))
        xt = tg.tensor(x, requires_grad=True, backend=on_backend)
        got = max_pool1d(xt, k, s, padding, data_format=data_format)
        got.backward(tg.tensor(upstream, backend=on_backend))
        where = f"steps={steps} k={k} s={s} {padding} {data_format}"
        assert got.numpy().dtype == np.dtype(dtype), where
        _same_bits(got.numpy(), expected.detach().numpy(), where)
        _same_bits(xt.grad.numpy(), t.grad.numpy(), f"gradient: {where}")
        checked += 1
    assert checked == 126            # 144 (steps, k, s, padding, data_format) less the 18 with no valid window


@pytest.mark.parametrize("dtype", ["float16", "float32", "float64"])
def test_avg_pool_of_negative_zeros_is_positive_zero_as_keras(dtype, on_backend):
    """torch's average starts its sum from +0.0, so a window of -0.0 averages to 0.0 (it was -0.0 here: a tester's
    ``AveragePooling1D(2)`` of ``[[[-0.], [-0.]]]``); both paddings, every pool size, and windows mixing the zeros
    and other values; bit for bit (signs of zeros included) against Keras on torch, on every backend."""
    if on_backend == "array_api_strict" and dtype == "float16":
        pytest.skip("array-api-strict has no float16")
    keras = keras_on_torch("Keras 3.15 on torch is the reference of average_pool")
    torch = _torch()
    rng = np.random.default_rng(3)
    for steps, k, s, padding in itertools.product((1, 4, 9), (1, 2, 3), (1, 2), ("valid", "same")):
        if padding == "valid" and steps < k:
            continue
        x = rng.choice(np.array([-0.0, -0.0, 0.0, 1.0, -1.0], dtype=dtype), (2, steps, 4))
        x[1, :, 3] = -0.0                                        # a channel of -0.0 only
        expected = keras.ops.average_pool(torch.tensor(x), k, s, padding)
        got = avg_pool1d(tg.tensor(x, backend=on_backend), k, s, padding)
        _same_bits(got.numpy(), expected.numpy(), f"steps={steps} k={k} s={s} {padding}")
    layer = layers.AveragePooling1D(2)(tg.tensor(np.array([[[-0.0], [-0.0]]], dtype), backend=on_backend))
    assert layer.numpy().tolist() == [[[0.0]]] and not np.signbit(layer.numpy()).any()


@pytest.mark.parametrize("data_format", ["channels_last", "channels_first"])
def test_pooling_layers_match_keras(data_format):
    keras = keras_on_torch("Keras 3.15's pooling layers on torch are the reference")
    torch = _torch()
    rng = np.random.default_rng(1)
    x = rng.standard_normal((3, 7, 4)).astype("float32")
    cases = [("MaxPooling1D", {"pool_size": 3, "strides": 2, "padding": "same"}),
             ("AveragePooling1D", {"pool_size": 2, "strides": 1, "padding": "same"}),
             ("AveragePooling1D", {"pool_size": 3}), ("MaxPooling1D", {}), ("MaxPooling1D", {"strides": 3}),
             ("GlobalMaxPooling1D", {}), ("GlobalAveragePooling1D", {"keepdims": True})]
    for name, kwargs in cases:
        ours = getattr(layers, name)(data_format=data_format, **kwargs)
        theirs = getattr(keras.layers, name)(data_format=data_format, **kwargs)
        t = torch.tensor(x, requires_grad=True)
        expected = theirs(t)
        expected.sum().backward()
        xt = tg.tensor(x, requires_grad=True)
        got = ours(xt)
        got.sum().backward()
        np.testing.assert_allclose(got.numpy(), expected.detach().numpy(), rtol=1e-6, err_msg=name)
        np.testing.assert_allclose(xt.grad.numpy(), t.grad.numpy(), rtol=1e-6, err_msg=name)
        assert ours.compute_output_shape((None, 7, 4)) == theirs.compute_output_shape((None, 7, 4)), name
        mine, reference = ours.get_config(), theirs.get_config()
        mine.pop("name"), reference.pop("name")
        assert mine == reference, name


def test_pooling_layer_dtypes_as_keras():
    keras = keras_on_torch("Keras 3.15's pooling layers on torch are the reference")
    for name, dtype, layer_dtype in itertools.product(("MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D",
                                                       "GlobalAveragePooling1D"), ("float16", "float64"),
                                                      (None, "float16", "float64")):
        x = np.arange(8, dtype=dtype).reshape(1, 4, 2)
        pool = {"pool_size": 2} if "Global" not in name else {}
        got = getattr(layers, name)(dtype=layer_dtype, **pool)(x)
        expected = getattr(keras.layers, name)(dtype=layer_dtype, **pool)(x)
        assert str(got.dtype) == str(expected.dtype).replace("torch.", ""), (name, dtype, layer_dtype)
        np.testing.assert_allclose(got.numpy(), np.asarray(expected.detach()), rtol=1e-3)


def test_global_pooling_of_integers_as_keras():
    """Keras 3.15 on torch: GlobalMaxPooling1D keeps an integer (or bool) input's dtype, GlobalAveragePooling1D gives
    float32, whatever the layer's dtype (NumPy data, a Tensor, and a symbolic Input alike)."""
    keras = keras_on_torch("Keras 3.15's global pooling layers on torch are the reference")
    for name, dtype, layer_dtype in itertools.product(("GlobalMaxPooling1D", "GlobalAveragePooling1D"),
                                                      ("int32", "int64", "uint8", "bool"), (None, "float64")):
        x = (np.arange(8).reshape(1, 4, 2) % 3).astype(dtype)
        expected = getattr(keras.layers, name)(dtype=layer_dtype)(x)
        for data in (x, tg.tensor(x, dtype=dtype)):
            got = getattr(layers, name)(dtype=layer_dtype)(data)
            assert str(got.dtype) == str(expected.dtype).replace("torch.", ""), (name, dtype, layer_dtype)
            np.testing.assert_array_equal(got.numpy(), np.asarray(expected.detach()))
        symbolic = getattr(layers, name)(dtype=layer_dtype)(layers.Input((4, 2), dtype=dtype))
        assert str(symbolic.dtype) == str(expected.dtype).replace("torch.", ""), (name, dtype, layer_dtype)


def test_pooling_batch_zero_and_aliases():
    assert layers.MaxPooling1D(2)(np.zeros((0, 4, 3))).shape == (0, 2, 3)
    assert layers.AveragePooling1D(2, padding="same")(np.zeros((0, 5, 3))).shape == (0, 3, 3)
    assert layers.GlobalMaxPooling1D()(np.zeros((0, 4, 3))).shape == (0, 3)    # Keras 3.15: refuses (documented)
    assert layers.MaxPool1D is layers.MaxPooling1D and layers.AvgPool1D is layers.AveragePooling1D
    assert layers.GlobalMaxPool1D is layers.GlobalMaxPooling1D
    assert layers.GlobalAvgPool1D is layers.GlobalAveragePooling1D


def test_pooling_bad_arguments_are_named():
    with pytest.raises(ValueError, match="pool_size"):
        layers.MaxPooling1D(0)
    with pytest.raises(ValueError, match="strides"):
        layers.MaxPooling1D(2, strides=0)                 # Keras accepts it here and fails when called
    with pytest.raises(ValueError, match=r"Invalid value for argument `padding`.*Received padding='full'"):
        layers.AveragePooling1D(2, padding="full")
    with pytest.raises(ValueError, match="data_format"):
        layers.MaxPooling1D(2, data_format="nhwc")
    with pytest.raises(TypeError, match=r"Invalid type for argument `keepdims`"):
        layers.GlobalMaxPooling1D(keepdims="yes")
    with pytest.raises(ValueError, match="expected ndim=3, found ndim=2"):
        layers.MaxPooling1D(2)(np.ones((2, 4)))
    with pytest.raises(ValueError, match="0 steps"):
        layers.GlobalAveragePooling1D()(np.ones((2, 0, 3)))
    assert layers.MaxPooling1D(2, padding="SAME").padding == "same"


# ------------------------------------------------------------------------------------------- Embedding
def test_embedding_gathers_and_adds_gradients_of_repeated_indices():
    layer = layers.Embedding(4, 2, embeddings_initializer="ones", name="e")
    out = layer(np.array([[1, 1, 2], [3, -1, 0]]))           # -1 is row 3, as Keras on torch
    assert out.shape == (2, 3, 2) and layer.compute_output_shape((None, 3)) == (None, 3, 2)
    (out * tg.tensor(np.arange(12.0).reshape(2, 3, 2))).sum().backward()
    # row 1: steps (0, 0) and (0, 1); row 3: (1, 0) and (1, 1); row 2: (0, 2); row 0: (1, 2)
    expected = np.array([[10.0, 11.0], [0.0 + 2.0, 1.0 + 3.0], [4.0, 5.0], [6.0 + 8.0, 7.0 + 9.0]])
    np.testing.assert_array_equal(layer.embeddings.grad.numpy(), expected)
    assert [(w.name, w.path) for w in layer.weights] == [("embeddings", "e/embeddings")]   # Keras' name and path


def test_embedding_matches_keras_on_indices_and_gradients():
    keras = keras_on_torch("Keras 3.15's Embedding on torch is the reference")
    table = np.arange(10.0, dtype="float32").reshape(5, 2)
    ours, theirs = layers.Embedding(5, 2), keras.layers.Embedding(5, 2)
    ours.build(), theirs.build()
    ours.set_weights([table]), theirs.set_weights([table])
    for indices in (np.array([[0, 4, 4, -5]]), np.array([[1.7, -0.5, 2.9, -1.2]]), np.array([[True, False]]),
                    np.zeros((0, 3), dtype="int64")):
        got, expected = ours(indices), theirs(indices)
        np.testing.assert_array_equal(got.numpy(), np.asarray(expected.detach()), err_msg=str(indices))
        assert str(got.dtype) == "float32"
    ours.embeddings.grad = None
    ours(np.array([[2, 2, 3]])).sum().backward()
    theirs(np.array([[2, 2, 3]])).sum().backward()
    np.testing.assert_array_equal(ours.embeddings.grad.numpy(), theirs.embeddings.value.grad.numpy())
    reference = keras.layers.Embedding(5, 2).get_config()
    mine = layers.Embedding(5, 2).get_config()
    mine.pop("name"), reference.pop("name")
    assert mine == reference
    assert str(layers.Embedding(5, 2, dtype="float16")(np.array([1])).dtype) == "float16"


def test_embedding_weights_and_lora_rank_none_as_keras():
    """Keras 3.15 takes ``weights=[W]`` (its legacy argument: built at once, W copied in) and ``lora_rank=None``."""
    keras = keras_on_torch("Keras 3.15's Embedding on torch is the reference")
    table = np.arange(6.0, dtype="float32").reshape(3, 2)
    indices = np.array([[0, 2, -1, 1]])
    for weights in ([table], table):
        ours, theirs = layers.Embedding(3, 2, weights=weights), keras.layers.Embedding(3, 2, weights=weights)
        assert ours.built and theirs.built
        np.testing.assert_array_equal(ours(indices).numpy(), np.asarray(theirs(indices).detach()))
        np.testing.assert_array_equal(ours.get_weights()[0], table)
    table[0, 0] = 99.0                                             # copied, as Keras' assign
    assert ours.embeddings.numpy()[0, 0] == 0.0
    ours, theirs = layers.Embedding(3, 2, lora_rank=None), keras.layers.Embedding(3, 2, lora_rank=None)
    mine, reference = ours.get_config(), theirs.get_config()
    mine.pop("name"), reference.pop("name")
    assert mine == reference                                       # no lora keys without a rank, in both
    keras.layers.Embedding(3, 2, lora_rank=2)                      # Keras' LoRA, not implemented here: refused
    with pytest.raises(ValueError, match=r"Invalid value for argument `lora_rank`.*Received lora_rank=2"):
        layers.Embedding(3, 2, lora_rank=2)
    with pytest.raises(ValueError, match=r"Received enable_lora\(rank=4\)"):
        layers.Embedding(3, 2).enable_lora(4)
    with pytest.raises(ValueError, match=r"Invalid value for argument `weights`.*Received a list of 2 items"):
        layers.Embedding(3, 2, weights=[table, table])
    with pytest.raises(ValueError):                                # Keras: "not compatible with provided weight shape"
        keras.layers.Embedding(3, 2, weights=[np.ones((2, 2))])
    with pytest.raises(ValueError, match=r"has shape \(3, 2\), but the array received has shape \(2, 2\)"):
        layers.Embedding(3, 2, weights=[np.ones((2, 2))])


def test_embedding_build_on_a_built_layer_keeps_it_as_keras():
    """Keras' ``Embedding.build`` returns at once on a built layer: ``Embedding(4, 3, weights=[W]).build((None,))``
    raised "already built" here; the table given, or the one built first, is kept (the same variable)."""
    keras = keras_on_torch("Keras 3.15's Embedding on torch is the reference")
    table = np.arange(12.0, dtype="float32").reshape(4, 3)
    ours, theirs = layers.Embedding(4, 3, weights=[table]), keras.layers.Embedding(4, 3, weights=[table])
    ours.build((None,))
    theirs.build((None,))
    assert len(ours.weights) == len(theirs.weights) == 1
    np.testing.assert_array_equal(ours.get_weights()[0], theirs.get_weights()[0])
    np.testing.assert_array_equal(ours.get_weights()[0], table)
    fresh = layers.Embedding(4, 3)
    fresh.build((None,))
    first = fresh.embeddings
    fresh.build((None, 5))
    assert fresh.embeddings is first and len(fresh.weights) == 1


def test_embedding_refuses_out_of_range_and_masks():
    keras = keras_on_torch("Keras 3.15 on torch raises IndexError for an index out of range")
    for bad in (np.array([[4]]), np.array([[-5]]), np.array([[1.0, np.nan]])):
        with pytest.raises(IndexError, match="index out of range"):
            keras.layers.Embedding(4, 2)(bad)
    layer = layers.Embedding(4, 2)
    with pytest.raises(IndexError, match=r"the indices run from 0 to 4, and input_dim=4 allows -4 to 3"):
        layer(np.array([[0, 4]]))
    with pytest.raises(IndexError, match=r"from -5 to -5"):
        layer(np.array([[-5]]))
    with pytest.raises(IndexError, match="NaN or an infinity"):
        layer(np.array([[1.0, np.nan]]))
    with pytest.raises(TypeError, match=r"Invalid type for argument `mask_zero`.*Received mask_zero='yes'"):
        layers.Embedding(4, 2, mask_zero="yes")
    for name, value in (("input_dim", 0), ("input_dim", 2.0), ("output_dim", True), ("input_dim", np.int64(3))):
        args = {"input_dim": 4, "output_dim": 2, name: value}
        with pytest.raises(ValueError, match=rf"Invalid value for argument `{name}`"):
            layers.Embedding(**args)


# ------------------------------------------------------------------------------------------- .keras both ways
def _model(lib, functional_layers):
    inputs = lib.Input((9,), dtype="int32")
    x = functional_layers.Embedding(12, 4, name="emb")(inputs)
    a = functional_layers.MaxPooling1D(2, strides=1, padding="same", name="mp")(x)
    b = functional_layers.AveragePooling1D(3, name="ap")(x)
    c = functional_layers.GlobalMaxPooling1D(name="gmp")(a)
    d = functional_layers.GlobalAveragePooling1D(name="gap")(b)
    return lib.Model(inputs, functional_layers.concatenate([c, d], name="cat"))


def _layer_entries(path):
    with zipfile.ZipFile(path) as archive:
        return {entry["config"]["name"]: entry for entry in json.loads(archive.read("config.json"))["config"]["layers"]}


def test_keras_files_both_ways(tmp_path, monkeypatch):
    keras = keras_on_torch("Keras 3.15 reads and writes the reference .keras files")
    keras.backend.clear_session()
    monkeypatch.setattr(layer_module, "_name_counts", {})
    x = np.random.default_rng(0).integers(0, 12, (5, 9)).astype("int32")
    ours = _model(types.SimpleNamespace(Input=layers.Input, Model=models.Model), layers)
    ours(x)
    ours.save(tmp_path / "ours.keras")
    theirs = keras.models.load_model(tmp_path / "ours.keras")
    np.testing.assert_allclose(np.asarray(theirs(x).detach()), ours(x).numpy(), rtol=1e-6)
    assert [type(layer).__name__ for layer in theirs.layers][1:] == \
        ["Embedding", "MaxPooling1D", "AveragePooling1D", "GlobalMaxPooling1D", "GlobalAveragePooling1D",
         "Concatenate"]
    original = _model(keras, keras.layers)
    original.save(tmp_path / "theirs.keras")
    back = models.load_model(tmp_path / "theirs.keras")
    np.testing.assert_allclose(back(x).numpy(), np.asarray(original(x).detach()), rtol=1e-6)
    assert back.get_layer("mp").get_config()["padding"] == "same"
    # config.json as Keras writes it: no build_config for the pooling layers (built when made, in Keras)
    ours_json, theirs_json = _layer_entries(tmp_path / "ours.keras"), _layer_entries(tmp_path / "theirs.keras")
    for name in ("emb", "mp", "ap", "gmp", "gap", "cat"):
        assert ours_json[name].keys() == theirs_json[name].keys(), name
        assert ours_json[name].get("build_config") == theirs_json[name].get("build_config"), name
        theirs_config = theirs_json[name]["config"]
        theirs_config["dtype"].pop("shared_object_id", None)     # Keras' mark of a policy object two layers share
        assert ours_json[name]["config"] == theirs_config, name
    np.testing.assert_array_equal(back.get_layer("emb").embeddings.numpy(),
                                  original.get_layer("emb").embeddings.numpy())


# ------------------------------------------------------------------------------------------- merge functions, hints
def test_merge_functions_make_the_layer_and_call_it():
    keras = keras_on_torch("Keras 3.15's keras.layers.add and friends are the reference")
    a, b = np.array([[1.0, 4.0]], "float32"), np.array([[3.0, 2.0]], "float32")
    for name in ("add", "subtract", "multiply", "average", "maximum", "minimum", "concatenate"):
        got = getattr(layers, name)([a, b])
        expected = getattr(keras.layers, name)([a, b])
        np.testing.assert_array_equal(got.numpy(), np.asarray(expected.detach()), err_msg=name)
    assert layers.concatenate([a, b], axis=0).shape == (2, 2)
    x = layers.Input((3,))
    residual = layers.add([x, layers.Dense(3, name="d")(x)], name="skip")     # the functional guide's toy ResNet
    model = models.Model(x, residual)
    assert model.get_layer("skip").__class__ is layers.Add


@pytest.mark.parametrize(("name", "hint"), [
    ("Conv2D", r"has no attribute 'Conv2D'; .*1-D.*use Conv1D"),
    ("MaxPooling2D", r"'MaxPooling2D'; .*use MaxPooling1D"),
    ("Bidirectional", r"'Bidirectional'; the recurrent layers here are SimpleRNN, LSTM and GRU"),
    ("dot", r"'dot'; there is no Dot layer"),
    ("Embeding", r"'Embeding'; did you mean Embedding\?"), ("Foo", r"'Foo'; the names here are: Activation, .*Add")])
def test_a_missing_layer_names_what_to_use(name, hint):
    with pytest.raises(AttributeError, match=hint):
        getattr(layers, name)
    assert not hasattr(layers, name)


@pytest.mark.parametrize(("name", "hint"), [
    ("SeparableConv2D", r"1-D .*use SeparableConv1D"), ("DepthwiseConv2D", r"1-D .*use DepthwiseConv1D"),
    ("LocallyConnected1D", r"Keras 2's LocallyConnected1D"), ("SpatialDropout2D", r"1-D .*use SpatialDropout1D"),
    ("AlphaDropout", r"use Dropout"),
    ("Dot", r"no Dot layer"),
    ("RNN", r"no generic RNN\(cell\) wrapper"), ("LSTMCell", r"a layer's cell is layer.cell"),
    ("Bidirectional", r"no Bidirectional"),
    ("ConvLSTM1D", r"no ConvLSTM"), ("Deconvolution1D", r"use Conv1DTranspose"),
    ("Convolution2DTranspose", r"1-D .*use Conv1DTranspose"), ("RMSNormalization", r"Layer subclass"),
    ("RandomFlip", r"preprocessing layers are not here")])
def test_keras_1d_names_missing_here_get_their_own_hint(name, hint):
    """Keras 3.15 names, 1-D ones included, that are not here: a hint of their own, never the list of every name
    (nor a misleading closest name: ConvLSTM1D is no Conv1D)."""
    keras = keras_on_torch("Keras 3.15's layer names are the reference")
    if name not in ("LocallyConnected1D", "Deconvolution1D"):         # Keras 2 names
        assert hasattr(keras.layers, name), name
    with pytest.raises(AttributeError, match=hint) as raised:
        getattr(layers, name)
    assert "the names here are" not in str(raised.value) and "did you mean" not in str(raised.value)


def test_every_keras_layer_name_has_a_hint_or_is_here():
    keras = keras_on_torch("Keras 3.15's layer names are the reference")
    for name in (n for n in dir(keras.layers) if not n.startswith("_")):
        try:
            getattr(layers, name)
        except AttributeError as error:
            assert "the names here are" not in str(error) and "did you mean" not in str(error), str(error)


def test_the_layers_on_every_backend(on_backend):
    """The same hand-computed results on each backend (array-api-strict: only the standard's functions)."""
    embedding = layers.Embedding(4, 2, embeddings_initializer="ones")
    out = embedding(tg.tensor(np.array([[1, 1, -1]]), dtype="int64"))
    assert out.backend.name == on_backend
    out.sum().backward()
    assert embedding.embeddings.grad.numpy().tolist() == [[0.0, 0.0], [2.0, 2.0], [0.0, 0.0], [1.0, 1.0]]
    x = tg.tensor(np.array([1.0, 5.0, 3.0, 2.0, 4.0]).reshape(1, 5, 1), requires_grad=True)
    y = layers.AveragePooling1D(2, strides=1, padding="same")(x)
    assert y.numpy().ravel().tolist() == [3.0, 4.0, 2.5, 3.0, 4.0]
    y.sum().backward()
    assert x.grad.numpy().ravel().tolist() == [0.5, 1.0, 1.0, 1.0, 1.5]
    assert layers.MaxPooling1D(3, strides=1, padding="same")(x).numpy().ravel().tolist() == [5.0, 5.0, 5.0, 4.0, 4.0]
    assert layers.GlobalMaxPooling1D()(x).numpy().tolist() == [[5.0]]
