"""Keras 3 parity found by a tester (session 42): damaged .keras archives, integer inputs of layers, layer configs,
``summary(positions=, layer_range=)``, ``Input(3)``. Expected values come from Keras 3.15.1 (torch backend), run
here where it is installed, or written out from a run of it."""
import os
import struct
import zipfile

import numpy as np
import pytest

from tinygradconv import layers as L
from tinygradconv import models as M
from tinygradconv.saving import SavedFileError


# ----------------------------------------------------------------------------------------------- damaged archives
@pytest.fixture(scope="module")
def keras_file(tmp_path_factory):
    pytest.importorskip("h5py")
    path = tmp_path_factory.mktemp("k") / "m.keras"
    model = M.Sequential([L.Input((3,)), L.Dense(2)])
    model.compile(optimizer="adam", loss="mse")
    model.save(path)
    return model, path.read_bytes()


def _members(data):
    """``{name: (central directory entry offset, local header offset)}`` of the zip ``data``, read from the
    format's fields (PKWARE APPNOTE 4.3.12), not by zipfile."""
    entries, pos = {}, 0
    while (pos := data.find(b"PK\x01\x02", pos)) >= 0:
        name_length, = struct.unpack_from("<H", data, pos + 28)
        local, = struct.unpack_from("<I", data, pos + 42)
        entries[data[pos + 46:pos + 46 + name_length].decode()] = (pos, local)
        pos += 4
    return entries


def _load_both(model, path):
    """The errors of ``load_model`` and ``load_weights`` on ``path`` (None where it loaded)."""
    errors = []
    for load in (lambda: M.load_model(path), lambda: model.load_weights(path)):
        try:
            load()
            errors.append(None)
        except SavedFileError as exc:
            errors.append(exc)
    return errors


def test_damaged_member_is_named(keras_file, tmp_path):
    model, good = keras_file
    config_offset = _members(good)["config.json"][1]
    data = bytearray(good)
    data[config_offset + 60] ^= 0xFF     # inside config.json's deflated data (its local header is 30 + 11 bytes)
    path = tmp_path / "bad.keras"
    path.write_bytes(bytes(data))
    for exc in _load_both(model, path):
        assert exc is not None
        assert str(path) in str(exc) and "'config.json'" in str(exc), exc


@pytest.mark.parametrize("member", ["config.json", "model.weights.h5"])
@pytest.mark.parametrize("method", [12, 14, 99, 1])     # bzip2 (damaged data), lzma, unknown, shrunk (unsupported)
def test_changed_compression_method(keras_file, tmp_path, member, method):
    model, good = keras_file
    central, local = _members(good)[member]
    data = bytearray(good)
    struct.pack_into("<H", data, central + 10, method)    # the method zipfile reads is the central directory's
    struct.pack_into("<H", data, local + 8, method)
    path = tmp_path / "bad.keras"
    path.write_bytes(bytes(data))
    for exc in _load_both(model, path):
        assert exc is not None and repr(member) in str(exc), exc


def test_every_bit_flip_and_truncation_is_a_saved_file_error(keras_file, tmp_path):
    """Flip each byte of the headers, config.json and the central directory (every 11th of the stored weights,
    which a CRC guards) and cut the file at every 13th length: loading either works (a byte zipfile does not read,
    metadata.json's data) or raises SavedFileError naming the file; never zipfile's, zlib's or h5py's own error
    (raised through, pytest fails the test)."""
    model, good = keras_file
    path = tmp_path / "bad.keras"
    failed = 0
    weights_start = _members(good)["model.weights.h5"][1] + 60
    weights_end = min(central for central, _ in _members(good).values())
    offsets = [i for i in range(len(good)) if not weights_start < i < weights_end or i % 11 == 0]
    variants = [good[:i] + bytes([good[i] ^ 0xFF]) + good[i + 1:] for i in offsets]
    variants += [good[:n] for n in range(0, len(good), 13)]
    for data in variants:
        path.write_bytes(data)
        for exc in _load_both(model, path):
            if exc is not None:
                failed += 1
                assert str(path) in str(exc)
    assert failed > len(variants)     # most variants fail (every truncation, every flip of config or weights)


# ----------------------------------------------------------------------------------------------- integer inputs
def _keras():
    os.environ.setdefault("KERAS_BACKEND", "torch")
    return pytest.importorskip("keras")


# (name, ours, theirs' arguments, input shape); the layers without weights keep an integer or bool dtype, those
# that compute in floats (weights, normalization, sigmoid) give float32
_LAYERS = [
    ("Flatten", (), {}, (2, 3, 1)), ("Reshape", ((3,),), {}, (2, 3)), ("ZeroPadding1D", (), {}, (2, 3, 1)),
    ("Cropping1D", (1,), {}, (2, 3, 1)), ("UpSampling1D", (), {}, (2, 3, 1)), ("Dropout", (0.5,), {}, (2, 3)),
    ("Activation", ("linear",), {}, (2, 3)), ("Activation", ("relu",), {}, (2, 3)), ("ReLU", (), {}, (2, 3)),
    ("Activation", ("sigmoid",), {}, (2, 3)), ("Dense", (2,), {}, (2, 3)), ("BatchNormalization", (), {}, (2, 3)),
    ("LayerNormalization", (), {}, (2, 3)), ("PReLU", (), {}, (2, 3)),
]


@pytest.mark.parametrize("dtype", ["int32", "int64", "uint8", "int8", "bool", "float64", "float16"])
@pytest.mark.parametrize("name, args, kwargs, shape", _LAYERS, ids=[f"{n}{a}" for n, a, _, _ in _LAYERS])
def test_numpy_input_dtype_as_keras(name, args, kwargs, shape, dtype):
    keras = _keras()
    data = np.ones(shape, dtype)
    try:
        expected = keras.ops.convert_to_numpy(getattr(keras.layers, name)(*args, **kwargs)(data)).dtype
    except (RuntimeError, NotImplementedError):     # relu, PReLU of bools: Keras on torch refuses them
        pytest.skip(f"Keras 3 on torch refuses {name}{args} of {dtype}")
    ours = getattr(L, name)(*args, **kwargs)(data)
    assert str(ours.dtype) == str(expected)
    assert ours.numpy().tolist() == keras.ops.convert_to_numpy(getattr(keras.layers, name)(*args)(data)).tolist() \
        or name in ("Dense", "PReLU", "BatchNormalization", "LayerNormalization")    # random or other weights


def test_numpy_integer_input_as_an_integer_tensor():
    """A NumPy int array gives what a tinygradconv int tensor of it gives (exact values: 2**31 - 1 is kept)."""
    data = np.array([[2**31 - 1, -5, 7]], "int32")
    assert L.Flatten()(data).numpy().tolist() == [[2**31 - 1, -5, 7]]
    assert str(L.ZeroPadding1D()(data[..., None]).dtype) == "int32"
    assert str(L.Conv1D(2, 1)(data[..., None]).dtype) == "float32"      # Keras on torch refuses; cast, as Dense
    assert str(L.Add()([data, data]).dtype) == "int32"
    assert str(L.Average()([data, data]).dtype) == "float32"
    assert str(L.Dense(2, dtype="float64")(data).dtype) == "float64"


# ----------------------------------------------------------------------------------------------- configs
_CONFIGS = [
    ("Dense", (2,), {}), ("Dense", (2,), {"activation": "relu", "use_bias": False, "kernel_regularizer": "l2",
                                          "activity_regularizer": "l2"}),
    ("Conv1D", (2, 3), {}), ("Conv1D", (2, 3), {"strides": 2, "padding": "same", "activity_regularizer": "l2"}),
    ("Conv1DTranspose", (2, 3), {}), ("BatchNormalization", (), {}),
    ("BatchNormalization", (), {"axis": 1, "momentum": 0.9, "center": False}), ("LayerNormalization", (), {}),
    ("LayerNormalization", (), {"axis": (1, 2), "epsilon": 0.1}), ("LayerNormalization", (), {"axis": 1}),
    ("Dropout", (0.5,), {}), ("Dropout", (0.5,), {"noise_shape": (None, 1), "seed": 3}), ("Flatten", (), {}),
    ("Reshape", ((3,),), {}), ("ZeroPadding1D", (), {}), ("ZeroPadding1D", ((1, 2),), {}), ("Cropping1D", (), {}),
    ("UpSampling1D", (3,), {}), ("Activation", ("relu",), {}), ("ReLU", (), {}), ("ReLU", (), {"max_value": 6.0}),
    ("LeakyReLU", (), {}), ("ELU", (), {}), ("Softmax", (), {}), ("PReLU", (), {}), ("Add", (), {}),
    ("Subtract", (), {}), ("Multiply", (), {}), ("Average", (), {}), ("Maximum", (), {}), ("Minimum", (), {}),
    ("Concatenate", (), {}), ("Concatenate", (), {"axis": 1}),
]


def _plain(config):
    """A config as JSON holds it, without the name (generated) and the dtype (ours: "float32", Keras' a
    DTypePolicy object; the files write Keras' form)."""
    import json

    out = json.loads(json.dumps(config))
    out.pop("name")
    out.pop("dtype")
    return out


@pytest.mark.parametrize("built", [False, True])
@pytest.mark.parametrize("name, args, kwargs", _CONFIGS, ids=[f"{n}{a}{k}" for n, a, k in _CONFIGS])
def test_config_as_keras(name, args, kwargs, built):
    keras = _keras()
    theirs, ours = getattr(keras.layers, name)(*args, **kwargs), getattr(L, name)(*args, **kwargs)
    if built:
        shape = [(2, 3, 4), (2, 3, 4)] if name in ("Add", "Subtract", "Multiply", "Average", "Maximum", "Minimum",
                                                    "Concatenate") else (2, 3, 4)
        if name == "Reshape":
            shape = (2, 3)
        theirs.build(shape)
        ours.build(shape)
    expected, got = _plain(theirs.get_config()), _plain(ours.get_config())
    if "activity_regularizer" in kwargs:     # Keras writes the float32 of 0.01 (0.009999999776482582)
        l2 = expected["activity_regularizer"]["config"]["l2"]
        assert got["activity_regularizer"]["config"]["l2"] == pytest.approx(l2)
        got["activity_regularizer"]["config"]["l2"] = l2
    assert got == expected      # the same keys and values (the order of the keys may differ)
    assert getattr(L, name).from_config(ours.get_config()).get_config() == ours.get_config()


def test_layer_normalization_axis_in_a_saved_file(tmp_path):
    """Keras' file of a built LayerNormalization has axis [-1] (Keras' build makes the int a list)."""
    pytest.importorskip("h5py")
    import json

    model = M.Sequential([L.Input((3,)), L.LayerNormalization(), L.Dense(2), L.BatchNormalization()])
    path = tmp_path / "m.keras"
    model.save(path)
    with zipfile.ZipFile(path) as archive:
        layers = json.loads(archive.read("config.json"))["config"]["layers"]
    assert layers[1]["config"]["axis"] == [-1] and layers[1]["config"]["rms_scaling"] is False
    assert "activity_regularizer" not in layers[2]["config"] and layers[2]["config"]["quantization_config"] is None
    assert layers[3]["config"]["renorm"] is False and layers[3]["config"]["renorm_momentum"] == 0.99
    loaded = M.load_model(path)
    assert loaded.layers[0].get_config()["axis"] == [-1]


def test_older_configs_of_ours_still_load():
    """Configs written before (Dense with activity_regularizer None, no quantization_config; normalization layers
    without Keras' renorm/rms_scaling keys; LayerNormalization's axis -1) build the same layers."""
    dense = L.Dense.from_config({"name": "d", "trainable": True, "dtype": "float32", "units": 2,
                                 "activation": None, "activity_regularizer": None})
    assert dense.units == 2 and dense.activity_regularizer is None
    norm = L.LayerNormalization.from_config({"name": "n", "trainable": True, "dtype": "float32", "axis": -1,
                                             "epsilon": 0.001})
    assert norm.axis == -1
    batch = L.BatchNormalization.from_config({"name": "b", "trainable": True, "dtype": "float32", "axis": -1,
                                              "momentum": 0.9, "synchronized": False})
    assert batch.momentum == 0.9
    with pytest.raises(ValueError, match="rms_scaling"):
        L.LayerNormalization.from_config({"name": "n", "axis": [-1], "rms_scaling": True})
