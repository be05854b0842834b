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


def _keras():
    import os

    if os.environ.get("KERAS_BACKEND", "torch") != "torch":
        pytest.skip("the Keras comparisons run on Keras' torch backend (KERAS_BACKEND=torch)")
    return pytest.importorskip("keras")


def _layer_entries(path):
    import json
    import zipfile

    with zipfile.ZipFile(path) as archive:
        config = json.loads(archive.read("config.json"))
    return {entry["class_name"]: entry for entry in config["config"]["layers"]}


def test_build_config_of_rescaling_and_activity_regularization_as_keras(tmp_path):
    """Keras 3.15 builds ActivityRegularization when made (no build_config) but not Rescaling, which records its
    input shape like any layer (a .keras file holds it); Rescaling used to write none."""
    from tinygradconv import layers, models

    keras = _keras()
    x = np.ones((2, 3), dtype="float32")
    for make in (lambda m: m.Rescaling(0.5, 0.1), lambda m: m.ActivityRegularization(l1=0.1)):
        theirs, ours = make(keras.layers), make(layers)
        assert ours.get_build_config() == theirs.get_build_config()
        theirs(x)
        ours(x)
        assert ours.get_build_config() == theirs.get_build_config()
    assert ours.get_build_config() is None
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Rescaling(0.5), keras.layers.ActivityRegularization(),
                               keras.layers.Dense(2)])
    ours = models.Sequential([layers.Input((3,)), layers.Rescaling(0.5), layers.ActivityRegularization(),
                              layers.Dense(2)])
    theirs.save(tmp_path / "k.keras")
    ours.save(tmp_path / "o.keras")
    k, o = _layer_entries(tmp_path / "k.keras"), _layer_entries(tmp_path / "o.keras")
    for name in ("Rescaling", "ActivityRegularization", "Dense"):
        assert o[name].get("build_config") == k[name].get("build_config"), name
    assert o["Rescaling"]["build_config"] == {"input_shape": [None, 3]}
    assert keras.saving.load_model(tmp_path / "o.keras").layers[0].get_build_config() == {"input_shape": [None, 3]}


def test_adaptive_pooling_output_size_accepted_and_refused_as_before():
    from tinygradconv import layers

    assert layers.AdaptiveAveragePooling1D([3]).output_size == (3,)
    assert layers.AdaptiveMaxPooling1D(np.int64(2)).output_size == (2,)
    with pytest.raises(TypeError, match=r"Invalid type for argument `output_size`.*not a bool"):
        layers.AdaptiveAveragePooling1D(True)
    with pytest.raises(TypeError, match=r"Invalid type for argument `output_size`.*Received output_size=\('2',\)"):
        layers.AdaptiveAveragePooling1D(("2",))


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize("dim", [None, 0, (0, 1)])
def test_var_mean_std_mean_check_keepdim_on_every_path(name, dim):
    x = tg.tensor([[1.0, 2.0], [4.0, 8.0]])
    with pytest.raises(TypeError, match=rf"{name}: Invalid type for argument `keepdim`.*Received keepdim='yes'"):
        getattr(tg.ops, name)(x, dim=dim, keepdim="yes")


@pytest.mark.parametrize("name", ["var_mean", "std_mean"])
@pytest.mark.parametrize(("dim", "keepdim"), [(None, False), (None, True), (1, True), ((0, 1), False), (0, False)])
def test_var_mean_std_mean_match_torch(name, dim, keepdim):
    data = np.array([[1.0, 2.0, 4.0], [3.0, 3.0, 7.0]])
    x = tg.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    kwargs = {"keepdim": keepdim} if dim is None else {"dim": dim, "keepdim": keepdim}
    ours, theirs = getattr(tg.ops, name)(x, **kwargs), getattr(torch, name)(tx, **kwargs)
    assert type(ours) is tuple and type(theirs) is tuple and len(ours) == 2
    for a, b in zip(ours, theirs):
        np.testing.assert_allclose(a.numpy(), b.detach().numpy(), rtol=1e-12)
    (ours[0] * 2 + ours[1]).sum().backward()
    (theirs[0] * 2 + theirs[1]).sum().backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy(), rtol=1e-12)


def test_one_values_indices_type_as_torch_return_types():
    from tinygradconv.ops.order_statistics import MinMax, ValuesIndices

    data = np.array([[3.0, 1.0, 2.0, 1.0], [0.5, 4.0, 4.0, -1.0]])
    x, tx = tg.tensor(data), torch.tensor(data)
    for ours, theirs in ((tg.ops.cummax(x, dim=1), torch.cummax(tx, 1)), (x.cummin(1), torch.cummin(tx, 1)),
                         (x.median(dim=1), torch.median(tx, 1)), (x.median(dim=0, keepdim=True),
                                                                  torch.median(tx, 0, keepdim=True))):
        assert type(ours) is ValuesIndices and isinstance(ours, tuple)
        values, indices = ours
        assert values is ours.values and indices is ours.indices
        np.testing.assert_array_equal(values.numpy(), theirs.values.numpy())
        np.testing.assert_array_equal(indices.numpy(), theirs.indices.numpy())
        assert str(indices.dtype) == "int64" and not indices.requires_grad
    low_high, theirs = tg.ops.aminmax(x, dim=1), torch.aminmax(tx, dim=1)
    assert type(low_high) is MinMax
    np.testing.assert_array_equal(low_high.min.numpy(), theirs.min.numpy())
    np.testing.assert_array_equal(low_high[1].numpy(), theirs.max.numpy())


@pytest.mark.parametrize("axis", [None, 0, 1, -1, (0, 2), (2, 0), (0, 1, 2), ()])
@pytest.mark.parametrize("keepdims", [False, True])
def test_keras_median_over_any_axes_matches_keras(axis, keepdims):
    keras = _keras()
    data = np.random.default_rng(3).standard_normal((2, 3, 4)).astype("float32")
    data[1, 1, 2] = data[1, 1, 1]                               # a tie
    theirs = keras.ops.convert_to_numpy(keras.ops.median(data, axis=axis, keepdims=keepdims))
    ours = tg.ops.median(tg.tensor(data), axis=axis, keepdims=keepdims)
    assert ours.shape == theirs.shape
    assert str(ours.dtype) == str(theirs.dtype)
    np.testing.assert_allclose(ours.numpy(), theirs, rtol=1e-6)


@pytest.mark.parametrize("shape", [(2, 3, 4), (5,), (3, 3)])
def test_keras_median_of_every_element_gradient_matches_torch_quantile(shape):
    data = np.random.default_rng(4).permutation(np.prod(shape)).reshape(shape).astype("float64")   # no ties
    x = tg.tensor(data, requires_grad=True)
    tx = torch.tensor(data, requires_grad=True)
    y, ty = tg.ops.median(x), torch.quantile(tx, 0.5)
    np.testing.assert_allclose(y.numpy(), ty.detach().numpy())
    y.backward()
    ty.backward()
    np.testing.assert_allclose(x.grad.numpy(), tx.grad.numpy())


@pytest.mark.parametrize("name", ["SimpleRNN", "LSTM", "GRU"])
def test_recurrent_cells_get_each_argument_by_name_as_keras(name):
    """Every argument reaches the cell under its own name (the cell takes keywords only), and the config is
    Keras', key for key and in its order, with the activity regularizer between the bias regularizer and the
    kernel constraint."""
    from tinygradconv import layers

    keras = _keras()
    settings = {"units": 3, "activation": "relu", "use_bias": False, "kernel_initializer": "ones",
                "recurrent_initializer": "zeros", "bias_initializer": "ones", "kernel_regularizer": "l1",
                "recurrent_regularizer": "l2", "bias_regularizer": "l1l2", "activity_regularizer": "l2",
                "kernel_constraint": "non_neg", "recurrent_constraint": "unit_norm", "bias_constraint": "max_norm",
                "dropout": 0.25, "recurrent_dropout": 0.5, "return_sequences": True, "go_backwards": True}
    if name != "SimpleRNN":
        settings.update(recurrent_activation="hard_sigmoid", seed=7)
    ours, theirs = getattr(layers, name)(**settings), getattr(keras.layers, name)(**settings)
    config, keras_config = ours.get_config(), theirs.get_config()
    assert list(config) == list(keras_config)           # SimpleRNN's activity_regularizer was after "dtype"
    # the values but the regularizers' factors (Keras writes 0.01 rounded to float32: 0.009999999776482582)
    plain = [k for k in config if k != "name" and not k.endswith("regularizer")]
    assert {k: config[k] for k in plain} == {k: keras_config[k] for k in plain}
    assert {k: config[k]["class_name"] for k in config if k.endswith("regularizer")} == {
        "kernel_regularizer": "L1", "recurrent_regularizer": "L2", "bias_regularizer": "L1L2",
        "activity_regularizer": "L2"}
    cell = ours.cell
    assert (cell.dropout, cell.recurrent_dropout, cell.use_bias) == (0.25, 0.5, False)
    assert type(cell.kernel_regularizer).__name__ == "L1" and type(cell.recurrent_regularizer).__name__ == "L2"
    assert type(cell.recurrent_constraint).__name__ == "UnitNorm"
    with pytest.raises(TypeError):
        type(cell)(3, "tanh", None, True, "ones", "zeros", "zeros", None, None, None, None, None, None, 0.0, 0.0,
                   None)
