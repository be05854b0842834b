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
