"""Keras 3.15 parity details found by users (session 43): layer configs (dtype policy, key order, tuples),
initializer configs in ``.keras`` files, ``summary(positions=...)``, BatchNormalization's renormalization
arguments, ``Maximum``/``Minimum`` of integer inputs, ``CSVLogger``'s file, and per-output loss trackers.

Every expectation is read from Keras 3.15 itself (``KERAS_BACKEND=torch``), run on the same input."""
import os

import numpy as np
import pytest

os.environ.setdefault("KERAS_BACKEND", "torch")

from tinygradconv import layers as L
from tinygradconv import models as M


def _keras():
    keras = pytest.importorskip("keras")
    if keras.backend.backend() != "torch":
        pytest.skip("these comparisons run Keras on its torch backend (KERAS_BACKEND=torch)")
    return keras


# ------------------------------------------------------------------------------------------------ 1. layer configs
_LAYERS = [
    ("Activation", ("relu",), {}), ("Add", (), {}), ("Average", (), {}), ("Concatenate", (), {"axis": 1}),
    ("Maximum", (), {}), ("Minimum", (), {}), ("Multiply", (), {}), ("Subtract", (), {}),
    ("BatchNormalization", (), {}), ("BatchNormalization", (), {"axis": 1, "momentum": 0.9, "center": False}),
    ("LayerNormalization", (), {}), ("LayerNormalization", (), {"axis": (1, 2), "scale": False}),
    ("Conv1D", (3, 2), {"padding": "same", "kernel_regularizer": "l2"}), ("Conv1DTranspose", (3, 2), {}),
    ("Dense", (2,), {"activation": "relu"}), ("Dropout", (0.5,), {}), ("Dropout", (0.5,), {"noise_shape": (None, 1),
                                                                                           "seed": 3}),
    ("Flatten", (), {}), ("Reshape", ((3, 4),), {}), ("Cropping1D", ((1, 2),), {}), ("ZeroPadding1D", (2,), {}),
    ("UpSampling1D", (3,), {}), ("ELU", (), {}), ("ELU", (), {"alpha": 0.5}), ("LeakyReLU", (), {}),
    ("PReLU", (), {"shared_axes": [1]}), ("ReLU", (), {"max_value": 6.0}), ("Softmax", (), {}),
    ("Dense", (2,), {"dtype": "float64"}), ("InputLayer", (), {"shape": (3,)}),
    ("InputLayer", (), {"batch_shape": (2, 3), "dtype": "int32"}),
    ("DepthwiseConv1D", (2,), {"depth_multiplier": 2}), ("SeparableConv1D", (3, 2), {"padding": "same"}),
    ("GaussianNoise", (0.1,), {}), ("GaussianDropout", (0.2,), {"seed": 1}), ("Permute", ((2, 1),), {}),
    ("Identity", (), {}), ("UnitNormalization", (), {"axis": [1, 2]}), ("GroupNormalization", (2,), {}),
]
_MERGING = ("Add", "Average", "Concatenate", "Maximum", "Minimum", "Multiply", "Subtract")


def _build(layer, name):
    shape = (2, 3, 4)
    layer.build([shape, shape] if name in _MERGING else shape)


@pytest.mark.parametrize("built", [False, True])
@pytest.mark.parametrize("name, args, kwargs", _LAYERS, ids=[f"{n}{a}{k}" for n, a, k in _LAYERS])
def test_layer_config_equals_keras_including_dtype_policy_and_key_order(name, args, kwargs, built):
    """``get_config()`` equals Keras 3.15's dict for dict: its ``dtype`` is the serialized ``DTypePolicy``, its keys
    come in the same order, shapes are tuples (a user compared the two configs with ``==``)."""
    keras = _keras()
    ours = getattr(L, name)(*args, name="layer", **kwargs)
    theirs = getattr(keras.layers, name)(*args, name="layer", **kwargs)
    if built and name != "InputLayer":
        _build(ours, name)
        _build(theirs, name)
    expected, got = theirs.get_config(), ours.get_config()
    assert list(got) == list(expected)
    assert got == expected
    if name != "InputLayer":        # (InputLayer's dtype is a name in Keras too)
        assert got["dtype"]["class_name"] == "DTypePolicy"
        assert got["dtype"]["config"]["name"] == kwargs.get("dtype", "float32")


@pytest.mark.parametrize("name, args, kwargs", _LAYERS, ids=[f"{n}{a}{k}" for n, a, k in _LAYERS])
def test_from_config_takes_either_dtype_form_both_ways(name, args, kwargs):
    """Our ``from_config`` reads our config, Keras' config, and either with a plain dtype name; Keras'
    ``from_config`` reads ours (both forms too), giving the same config back."""
    keras = _keras()
    ours = getattr(L, name)(*args, name="layer", **kwargs)
    theirs = getattr(keras.layers, name)(*args, name="layer", **kwargs)
    config = ours.get_config()
    plain = {**config, "dtype": kwargs.get("dtype", "float32")}
    for given in (config, plain, theirs.get_config()):
        assert getattr(L, name).from_config(given).get_config() == config
        assert getattr(keras.layers, name).from_config(given).get_config() == theirs.get_config()


def test_a_layer_takes_keras_serialized_policy_as_its_dtype_and_refuses_what_is_not_one():
    keras = _keras()
    policy = keras.layers.Dense(2, dtype="float64").get_config()["dtype"]
    assert L.Dense(2, dtype=policy).dtype == keras.layers.Dense(2, dtype=policy).dtype == "float64"
    with pytest.raises(ValueError, match="Invalid value for argument `dtype`.*mixed_float16"):
        L.Dense(2, dtype=keras.layers.Dense(2, dtype="mixed_float16").get_config()["dtype"])
    with pytest.raises(ValueError, match="Invalid value for argument `dtype`.*DTypePolicy.*Received dtype="):
        L.Dense(2, dtype={"name": "float64"})


def test_sequential_config_as_keras():
    keras = _keras()
    ours = M.Sequential([L.Input((3,), name="inp"), L.Dense(2, name="d")], name="seq")
    theirs = keras.Sequential([keras.Input((3,), name="inp"), keras.layers.Dense(2, name="d")], name="seq")
    got, expected = ours.get_config(), theirs.get_config()
    assert list(got) == list(expected)
    assert got["dtype"] == expected["dtype"] and got["build_input_shape"] == expected["build_input_shape"]
    assert [item["config"] for item in got["layers"]] == [item["config"] for item in expected["layers"]]
    assert keras.Sequential.from_config(got).get_config()["layers"][1]["config"] == expected["layers"][1]["config"]
    assert M.Sequential.from_config(expected).get_config() == got


# ------------------------------------------------------------------------------------------- 2. initializers in files
_INITIALIZERS = [("Zeros", {}), ("Ones", {}), ("Constant", {"value": 0.5}),
                 ("RandomNormal", {"stddev": 0.1, "seed": 1}),
                 ("RandomUniform", {"seed": 2}), ("TruncatedNormal", {"mean": 0.1, "seed": 3}),
                 ("VarianceScaling", {"scale": 2.0, "mode": "fan_avg", "distribution": "uniform", "seed": 4}),
                 ("VarianceScaling", {"input_axes": [0], "output_axes": [1]}), ("GlorotUniform", {}),
                 ("GlorotNormal", {"seed": 5}), ("HeUniform", {}), ("HeNormal", {}), ("LecunUniform", {}),
                 ("LecunNormal", {}), ("Orthogonal", {"gain": 0.5, "seed": 6})]


def _file_config(path):
    import json
    import zipfile

    with zipfile.ZipFile(path) as archive:
        return json.loads(archive.read("config.json"))


@pytest.mark.parametrize("name, kwargs", _INITIALIZERS, ids=[f"{n}{k}" for n, k in _INITIALIZERS])
def test_initializer_config_is_keras_and_files_open_both_ways(name, kwargs, tmp_path):
    """An initializer's ``get_config`` is Keras 3.15's (keys and order), our ``.keras`` file writes it as Keras'
    file does (None ``input_axes``/``output_axes`` included), and each side loads the other's file with the
    same weights."""
    keras = _keras()
    pytest.importorskip("h5py")
    from tinygradconv import initializers as I

    ours, theirs = getattr(I, name)(**kwargs).get_config(), getattr(keras.initializers, name)(**kwargs).get_config()
    assert list(ours) == list(theirs) and ours == theirs
    our_model = M.Sequential([L.Input((3,)), L.Dense(4, name="d", kernel_initializer=getattr(I, name)(**kwargs))])
    their_model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(
        4, name="d", kernel_initializer=getattr(keras.initializers, name)(**kwargs))])
    our_model.save(tmp_path / "ours.keras")
    their_model.save(tmp_path / "theirs.keras")

    def written(path):
        return _file_config(path)["config"]["layers"][1]["config"]["kernel_initializer"]

    assert written(tmp_path / "ours.keras") == written(tmp_path / "theirs.keras")
    in_keras = keras.saving.load_model(tmp_path / "ours.keras")
    np.testing.assert_array_equal(in_keras.layers[0].kernel.numpy(), our_model.layers[0].kernel.numpy())
    assert in_keras.layers[0].kernel_initializer.get_config() == theirs
    here = M.load_model(tmp_path / "theirs.keras")
    np.testing.assert_array_equal(here.layers[0].kernel.numpy(), their_model.layers[0].kernel.numpy())
    assert here.layers[0].kernel_initializer.get_config() == theirs


def test_identity_initializer_keeps_its_gain_where_keras_config_loses_it(tmp_path):
    """Keras 3.15's ``Identity.get_config()`` is ``{}`` (its gain lost); ours keeps ``gain``, which Keras reads."""
    keras = _keras()
    pytest.importorskip("h5py")
    from tinygradconv import initializers as I

    assert keras.initializers.Identity(gain=2.0).get_config() == {}     # the Keras behaviour this documents
    assert I.Identity(2.0).get_config() == {"gain": 2.0}
    model = M.Sequential([L.Input((3,)), L.Dense(3, kernel_initializer=I.Identity(2.0))])
    model.save(tmp_path / "m.keras")
    again = keras.saving.load_model(tmp_path / "m.keras")
    np.testing.assert_array_equal(again.layers[0].kernel.numpy(), 2.0 * np.eye(3))
    assert again.layers[0].kernel_initializer.gain == 2.0


# ------------------------------------------------------------------------------------------------ 3. summary positions
def _printed(model, **kwargs):
    lines = []
    model.summary(print_fn=lambda line, *args, **kw: lines.append(line), **kwargs)
    return "\n".join(lines)


def test_summary_takes_more_positions_than_columns_as_keras():
    """Keras 3.15 takes 4 positions (its functional default) on a Sequential's 3 columns, the extra one unused:
    its table is the one of the first 3. Ours too; fewer positions than columns stay a ValueError (Keras: an
    IndexError)."""
    keras = _keras()
    theirs = keras.Sequential([keras.Input((4,)), keras.layers.Dense(3, name="a"), keras.layers.Dense(2, name="b")])
    assert _printed(theirs, line_length=60, positions=[0.3, 0.6, 0.8, 1.0]) == \
        _printed(theirs, line_length=60, positions=[0.3, 0.6, 0.8])
    with pytest.raises(IndexError):
        _printed(theirs, line_length=60, positions=[0.5, 1.0])
    ours = M.Sequential([L.Input((4,)), L.Dense(3, name="a"), L.Dense(2, name="b")])
    four = _printed(ours, line_length=60, positions=[0.3, 0.6, 0.8, 1.0])
    assert four == _printed(ours, line_length=60, positions=[0.3, 0.6, 0.8])
    header = next(line for line in four.splitlines() if line.startswith("Layer"))
    assert (header.index("Output Shape"), header.index("Param #")) == (18, 36)    # int(0.3 * 60), int(0.6 * 60)
    assert "Trainable" in _printed(ours, line_length=60, positions=[0.3, 0.56, 0.74, 1.0], show_trainable=True)
    assert _printed(ours, positions=[20, 35, 50, 70]) == _printed(ours, positions=[20, 35, 50])
    with pytest.raises(ValueError, match=r"Invalid value for argument `positions`. Expected at least 3 .*"
                                         r"Received positions=\[0.5, 1.0\]"):
        _printed(ours, positions=[0.5, 1.0])


# ----------------------------------------------------------------------------------- 4. BatchNormalization's renorm
@pytest.mark.parametrize("settings", [{"renorm_momentum": 0.5}, {"renorm_clipping": {"rmax": 2.0, "dmax": 1.0}},
                                      {"renorm": False, "renorm_clipping": None, "renorm_momentum": 0.9}])
def test_batch_normalization_keeps_keras_renorm_settings_while_renorm_is_off(settings):
    """Keras 3.15 keeps ``renorm_momentum`` and ``renorm_clipping`` as given and reports them (they change nothing
    with ``renorm=False``); ours reported 0.99 for a config with 0.5. Outputs equal Keras' with the same settings."""
    keras = _keras()
    theirs = keras.layers.BatchNormalization(name="bn", **settings)
    ours = L.BatchNormalization(name="bn", **settings)
    assert ours.get_config() == theirs.get_config()
    assert L.BatchNormalization.from_config(theirs.get_config()).get_config() == theirs.get_config()
    assert keras.layers.BatchNormalization.from_config(ours.get_config()).get_config() == theirs.get_config()
    x = np.random.default_rng(0).standard_normal((4, 3)).astype("float32")
    np.testing.assert_allclose(ours(x, training=True).numpy(), theirs(x, training=True).detach().numpy(),
                               rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(ours.moving_mean.numpy(), theirs.moving_mean.numpy(), rtol=1e-6)


def test_batch_normalization_refuses_renorm_it_does_not_implement(tmp_path):
    keras = _keras()
    pytest.importorskip("h5py")
    renorm = keras.layers.BatchNormalization(renorm=True)
    renorm.build((2, 3))
    assert {"renorm_mean", "renorm_stddev"} <= {w.name for w in renorm.weights}     # Keras implements it
    with pytest.raises(ValueError, match=r"Invalid value for argument `renorm`. Expected False.*Received renorm=True"):
        L.BatchNormalization(renorm=True)
    with pytest.raises(ValueError, match="renorm=True"):
        L.BatchNormalization.from_config(keras.layers.BatchNormalization(renorm=True).get_config())
    with pytest.raises(TypeError, match=r"Invalid type for argument `renorm_clipping`.*Received renorm_clipping=2.0"):
        L.BatchNormalization(renorm_clipping=2.0)
    model = keras.Sequential([keras.Input((3,)), keras.layers.BatchNormalization(renorm_momentum=0.5)])
    model.save(tmp_path / "bn.keras")
    loaded = M.load_model(tmp_path / "bn.keras")
    assert loaded.layers[0].get_config()["renorm_momentum"] == 0.5


# ------------------------------------------------------------------------------------- 5. Maximum/Minimum of int64
@pytest.mark.parametrize("name", ["Maximum", "Minimum"])
def test_maximum_of_int64_keeps_int64_where_keras_wraps_to_int32(name):
    """A documented difference: Keras 3.15 on torch gives int32 (and wrong values beyond 2**31); ours keeps int64,
    the dtype and values of NumPy's and torch's maximum/minimum, as Keras' own Add keeps int64."""
    keras = _keras()
    import torch

    a = np.array([[2**40 + 1, -3]], dtype="int64")
    b = np.array([[5, 2**33]], dtype="int64")
    theirs = getattr(keras.layers, name)()([a, b])
    assert theirs.dtype == torch.int32                   # the Keras behaviour this documents
    assert keras.layers.Add()([a, b]).dtype == torch.int64
    reference = getattr(torch, name.lower())(torch.tensor(a), torch.tensor(b))
    ours = getattr(L, name)()([a, b])
    assert str(ours.dtype) == "int64"
    np.testing.assert_array_equal(ours.numpy(), reference.numpy())
    small_a, small_b = a.astype("int32") % 1000, b.astype("int32") % 1000     # where Keras' int32 is right
    np.testing.assert_array_equal(getattr(L, name)()([small_a, small_b]).numpy(),
                                  getattr(keras.layers, name)()([small_a, small_b]).numpy())


# ------------------------------------------------------------------------------------------------ 6. CSVLogger bytes
_LOGS = [{"loss": np.float32(0.5), "accuracy": 0.125, "precision": np.array([0.5], dtype="float32"),
          "auc": np.array(0.25), "recall": np.array([0.1, 0.2], dtype="float32"), "mae": np.float64(1 / 3),
          "count": 3, "pair": [0.5, 0.25], "note": "a,b", "val_loss": 1e-8},
         {"loss": np.float32(0.25), "accuracy": 0.75, "precision": np.array([0.75]), "auc": np.array(0.5),
          "recall": np.array([0.3, 0.4]), "mae": np.float64(2 / 3), "count": 4, "pair": (1, 2), "note": 'q"r'},
         {"loss": 2.0, "accuracy": 1.0, "precision": np.ones((2, 2)), "auc": 1.0, "recall": [], "mae": 0.0,
          "count": 5, "pair": (0,), "note": "", "val_loss": 0.5}]


@pytest.mark.parametrize("separator", [",", ";", "\t"])
@pytest.mark.parametrize("append", [False, True])
def test_csv_logger_writes_keras_bytes_for_the_same_logs(separator, append, tmp_path):
    """The same epoch logs (NumPy scalars, 0-d arrays, arrays of one and two values, lists, tuples, strings that
    need quoting, an epoch without validation) give Keras 3.15's CSVLogger file byte for byte: ``\\r\\n`` rows,
    arrays as the quoted text ``"[0.5]"`` (three quotes each side in the file)."""
    keras = _keras()
    from tinygradconv import callbacks

    files = {}
    for name, module in (("keras", keras.callbacks), ("ours", callbacks)):
        path = tmp_path / f"{name}.csv"
        if append:
            path.write_bytes(b"")       # an empty file: the header is written, as for a new one
        for _ in range(2 if append else 1):
            logger = module.CSVLogger(str(path), separator=separator, append=append)
            logger.on_train_begin()
            for epoch, logs in enumerate(_LOGS):
                logger.on_epoch_end(epoch, dict(logs))
            logger.on_train_end()
        files[name] = path.read_bytes()
    assert files["ours"] == files["keras"]
    assert b'"""[0.5]"""' in files["ours"] and b"\r\n" in files["ours"]


# ------------------------------------------------------------------------------------- 7. per-output loss trackers
_X = np.random.default_rng(7).standard_normal((8, 3)).astype("float32")
_YA = np.random.default_rng(8).standard_normal((8, 2)).astype("float32")
_YB = np.random.default_rng(9).standard_normal((8, 1)).astype("float32")


def _two_output_twins(keras):
    inp = keras.Input((3,), name="inp")
    theirs = keras.Model(inp, [keras.layers.Dense(2, name="out_a")(inp), keras.layers.Dense(1, name="out_b")(inp)])
    x = L.Input((3,), name="inp")
    ours = M.Model(x, [L.Dense(2, name="out_a")(x), L.Dense(1, name="out_b")(x)])
    ours.set_weights([np.asarray(w) for w in theirs.get_weights()])
    return theirs, ours


def _names(model):
    return [metric.name for metric in model.metrics]


def _results(model):
    return [(m.name, {k: float(v) for k, v in r.items()} if isinstance(r, dict) else float(r))
            for m, r in ((m, m.result()) for m in model.metrics)]


def _assert_same_results(ours, theirs):
    got, expected = _results(ours), _results(theirs)
    assert [name for name, _ in got] == [name for name, _ in expected]
    for (name, value), (_, reference) in zip(got, expected):
        assert value == pytest.approx(reference, rel=1e-5), name


@pytest.mark.parametrize("compiled", [
    {"loss": ["mse", "mae"]},
    {"loss": ["mse", "mae"], "loss_weights": [0.5, 2.0]},
    {"loss": ["mse", "mae"], "metrics": [["mae"], ["mse"]]},
    {"loss": {"out_b": "mae", "out_a": "mse"}},
    {"loss": "mse"},
    {"loss": ["mse", None]},
], ids=["two losses", "loss_weights", "with metrics", "loss dict", "one loss, two outputs", "one loss None"])
def test_model_metrics_list_the_per_output_loss_trackers_as_keras(compiled):
    """``model.metrics`` of a 2-output functional model: Keras 3.15 lists ``loss``, ``compile_metrics`` (only with
    metrics), then one ``Mean`` per output loss once the first batch has built them; their results are the logged
    values after fit and after evaluate, and reset_metrics resets the same objects."""
    keras = _keras()
    theirs, ours = _two_output_twins(keras)
    for model in (theirs, ours):
        model.compile(optimizer="sgd", **compiled)
    assert _names(ours) == _names(theirs)       # before the first batch: not built yet
    history = {}
    for name, model in (("theirs", theirs), ("ours", ours)):
        history[name] = model.fit(_X, [_YA, _YB], epochs=2, batch_size=4, shuffle=False, verbose=0).history
    assert _names(ours) == _names(theirs)
    _assert_same_results(ours, theirs)
    for tracker in ours.metrics[1:]:
        if tracker.name.endswith("_loss"):
            assert tracker.result() == history["ours"][tracker.name][-1]
    kept = ours.metrics
    for model in (theirs, ours):
        model.evaluate(_X, [_YA, _YB], batch_size=8, verbose=0)
    _assert_same_results(ours, theirs)
    assert all(a is b for a, b in zip(ours.metrics, kept) if a.name != "compile_metrics")
    for model in (theirs, ours):
        model.reset_metrics()
    _assert_same_results(ours, theirs)


def test_per_output_trackers_built_by_evaluate_or_train_on_batch_and_dropped_by_compile():
    keras = _keras()
    theirs, ours = _two_output_twins(keras)
    for model in (theirs, ours):
        model.compile("sgd", ["mse", "mae"])
        model.evaluate(_X, [_YA, _YB], verbose=0)
    assert _names(ours) == _names(theirs) == ["loss", "out_a_loss", "out_b_loss"]
    _assert_same_results(ours, theirs)
    for model in (theirs, ours):
        model.compile("sgd", ["mse", "mae"])            # a new compile: not built again yet
    assert _names(ours) == _names(theirs) == ["loss"]
    for model in (theirs, ours):
        model.train_on_batch(_X, [_YA, _YB])
    assert _names(ours) == _names(theirs)
    _assert_same_results(ours, theirs)


def test_dict_outputs_list_their_trackers_in_the_loss_dict_order_as_keras():
    keras = _keras()
    inp = keras.Input((3,))
    theirs = keras.Model(inp, {"zeta": keras.layers.Dense(1)(inp), "alpha": keras.layers.Dense(1)(inp)})
    x = L.Input((3,))
    ours = M.Model(x, {"zeta": L.Dense(1)(x), "alpha": L.Dense(1)(x)})
    for model in (theirs, ours):
        model.compile("sgd", {"zeta": "mse", "alpha": "mae"})
        model.fit(_X, {"zeta": _YB, "alpha": _YB}, verbose=0)
    assert _names(ours) == _names(theirs) == ["loss", "zeta_loss", "alpha_loss"]


def test_sequential_compiled_without_metrics_lists_only_its_loss_as_keras():
    keras = _keras()
    theirs = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    ours = M.Sequential([L.Input((3,)), L.Dense(1)])
    for compiled in ({}, {"weighted_metrics": ["mae"]}, {"metrics": []}):
        for model in (theirs, ours):
            model.compile("sgd", "mse", **compiled)
        assert _names(ours) == _names(theirs), compiled


# ------------------------------------------------------------------------------ 1-2. whole .keras configs as Keras'
def _without_shared_ids(value):
    """A config without Keras' ``shared_object_id`` (an id() of the one DTypePolicy object its layers share, which
    changes from run to run; Keras' loader does not need it)."""
    if isinstance(value, dict):
        return {k: _without_shared_ids(v) for k, v in value.items() if k != "shared_object_id"}
    if isinstance(value, list):
        return [_without_shared_ids(v) for v in value]
    return value


def _stack(lib, layers_module, initializers):
    return [layers_module.Conv1D(3, 2, name="c", kernel_regularizer="l2"),
            layers_module.BatchNormalization(name="bn", renorm_momentum=0.5),
            layers_module.LayerNormalization(name="ln"),
            layers_module.Conv1DTranspose(2, 3, name="ct"), layers_module.ZeroPadding1D(1, name="zp"),
            layers_module.Cropping1D((1, 1), name="cr"), layers_module.UpSampling1D(2, name="up"),
            layers_module.ELU(name="elu"), layers_module.PReLU(name="pr"),
            layers_module.Dropout(0.2, noise_shape=(None, 1, 2), name="dr"), layers_module.Flatten(name="fl"),
            layers_module.Dense(4, activation="relu", name="d", kernel_initializer=initializers.RandomNormal(seed=1)),
            layers_module.Reshape((2, 2), name="rs"), layers_module.Softmax(name="sm")]


def test_sequential_keras_file_config_is_keras(tmp_path):
    """The whole ``config.json`` of a ``.keras`` file equals Keras 3.15's for the same model (its Input's name,
    ``optional``, ``build_input_shape``, no ``build_config`` for Keras' layers without a build, ``compile_config``
    ``{}``, key orders), and each side loads the other's file."""
    keras = _keras()
    pytest.importorskip("h5py")
    from tinygradconv import initializers

    theirs = keras.Sequential([keras.Input((8, 4), name="inp"), *_stack(keras, keras.layers, keras.initializers)],
                              name="m")
    ours = M.Sequential([L.Input((8, 4), name="inp"), *_stack(None, L, initializers)], name="m")
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    got, expected = _file_config(tmp_path / "ours.keras"), _without_shared_ids(_file_config(tmp_path / "theirs.keras"))
    assert got == expected
    assert [list(item["config"]) for item in got["config"]["layers"]] == \
        [list(item["config"]) for item in expected["config"]["layers"]]
    assert [w.shape for w in keras.saving.load_model(tmp_path / "ours.keras").weights] == \
        [w.shape for w in ours.weights]
    assert [w.shape for w in M.load_model(tmp_path / "theirs.keras").weights] == \
        [tuple(w.shape) for w in theirs.weights]


def test_functional_keras_file_config_is_keras(tmp_path):
    """As above for a functional model with two outputs and merge layers; the one difference left: Keras records
    ``BatchNormalization``'s call argument ``mask=None`` in its inbound node, ours records no keyword (Keras reads
    both)."""
    keras = _keras()
    pytest.importorskip("h5py")

    def build(Input, layers_module, Model):
        inp = Input((8, 4), name="inp")
        a, b = layers_module.Conv1D(3, 2, name="c")(inp), layers_module.Conv1D(3, 2, name="c2")(inp)
        merged = layers_module.Concatenate(name="cat")([layers_module.Add(name="add")([a, b]),
                                                         layers_module.Maximum(name="mx")([a, b])])
        d = layers_module.Dense(2, name="d")(layers_module.Flatten(name="f")(layers_module.BatchNormalization(
            name="bn")(merged)))
        return Model(inp, [d, layers_module.ReLU(name="r")(d)], name="fm")

    theirs, ours = build(keras.Input, keras.layers, keras.Model), build(L.Input, L, M.Model)
    theirs.save(tmp_path / "theirs.keras")
    ours.save(tmp_path / "ours.keras")
    got, expected = _file_config(tmp_path / "ours.keras"), _without_shared_ids(_file_config(tmp_path / "theirs.keras"))
    normalization = next(item for item in expected["config"]["layers"] if item["name"] == "bn")
    assert normalization["inbound_nodes"][0]["kwargs"] == {"mask": None}      # the difference this test documents
    normalization["inbound_nodes"][0]["kwargs"] = {}
    assert got == expected
    assert [list(item) for item in got["config"]["layers"]] == [list(item) for item in expected["config"]["layers"]]
    again = keras.saving.load_model(tmp_path / "ours.keras")
    assert [layer.name for layer in again.layers] == [layer.name for layer in theirs.layers]
    assert [layer.name for layer in M.load_model(tmp_path / "theirs.keras").layers] == \
        [layer.name for layer in ours.layers]
