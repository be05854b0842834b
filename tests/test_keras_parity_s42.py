"""Keras 3 parity found by a tester (session 42): damaged .keras archives, integer inputs of layers, layer configs,
``summary(positions=, layer_range=)``, ``Input(3)``. Expected values come from Keras 3.15.1 (torch backend), run
here where it is installed, or written out from a run of it."""
import io
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
    ("Concatenate", (), {}), ("Concatenate", (), {"axis": 1}), ("InputLayer", (), {"shape": (3,)}),
    ("InputLayer", (), {"batch_shape": (2, 3), "dtype": "int32"}),
]


def _plain(config):
    """A config as JSON holds it, without the name (generated). The dtype stays: Keras' DTypePolicy object on both
    sides since session 43 (an InputLayer's a name)."""
    import json

    out = json.loads(json.dumps(config))
    out.pop("name")
    return out


@pytest.mark.parametrize("built", [False, True])
@pytest.mark.parametrize("name, args, kwargs", _CONFIGS, ids=[f"{n}{a}{k}" for n, a, k in _CONFIGS])
def test_config_as_keras(name, args, kwargs, built):
    keras = _keras()
    theirs, ours = getattr(keras.layers, name)(*args, **kwargs), getattr(L, name)(*args, **kwargs)
    if built and name != "InputLayer":
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
    with pytest.warns(UserWarning, match="rms_scaling=True"):      # Keras' deprecated option, since session 45
        assert L.LayerNormalization.from_config({"name": "n", "axis": [-1], "rms_scaling": True}).rms_scaling


# ----------------------------------------------------------------------------------------------- summary
def _chain(lib):
    return lib.Sequential([lib.Input((3,)), lib.layers.Dense(4, name="d1"), lib.layers.Dense(4, name="d2"),
                           lib.layers.Dense(2, name="out")], name="s")


def _rows(lines):
    """The first cell of each table row (Keras' boxes or our columns) and the totals lines."""
    boxed = [line.strip("│ ").split("│")[0].strip() for line in lines if line.startswith("│")]
    if not boxed:
        rules = [i for i, line in enumerate(lines) if line.startswith("=")]
        boxed = [line.split("  ")[0] for line in lines[rules[0] + 1:rules[1]]]
    return boxed, [line.strip() for line in lines if "params:" in line]


@pytest.mark.parametrize("layer_range", [["d2", "out"], ("out", "d1"), ["d", "d"], ["d1", "d1"]])
def test_summary_layer_range_as_keras(layer_range, monkeypatch):
    keras = _keras()
    monkeypatch.setenv("COLUMNS", "200")
    theirs, ours = [], []
    _chain(keras).summary(layer_range=layer_range, print_fn=lambda line, **kw: theirs.extend(line.splitlines()))
    import types

    _chain(types.SimpleNamespace(Sequential=M.Sequential, Input=L.Input, layers=L)).summary(
        layer_range=layer_range, print_fn=ours.append)
    assert _rows(ours) == _rows(theirs)
    assert _rows(ours)[0] == {"d2": ["d2 (Dense)", "out (Dense)"], "out": ["d1 (Dense)", "d2 (Dense)", "out (Dense)"],
                              "d": ["d1 (Dense)", "d2 (Dense)"], "d1": ["d1 (Dense)"]}[layer_range[0]]


@pytest.mark.parametrize("layer_range, error, words", [
    (["zz", "out"], ValueError, ("Invalid value for argument `layer_range`. Expected names of this model's "
                                 "layers ('d1', 'd2', 'out'). Received layer_range=['zz', 'out']: 'zz' matches no "
                                 "layer")),
    (["d1"], ValueError, "Invalid value for argument `layer_range`. Expected two layer names"),
    (("d1", 3), TypeError, "Invalid type for argument `layer_range`. Expected two strings"),
    ("d1", TypeError, "Invalid type for argument `layer_range`. Expected a list or tuple of two layer names"),
])
def test_summary_layer_range_refused(layer_range, error, words):
    model = M.Sequential([L.Input((3,)), L.Dense(4, name="d1"), L.Dense(4, name="d2"), L.Dense(2, name="out")])
    with pytest.raises(error) as caught:
        model.summary(layer_range=layer_range, print_fn=lambda line: None)
    assert str(caught.value).startswith(words)


def test_summary_positions_place_the_columns():
    """positions=[0.5, 0.75, 1.0] with line_length=60: the columns start at characters 30 and 45 (hand-computed:
    int(0.5 * 60), int(0.75 * 60)); with show_trainable and line_length=80, at int(0.45 * 80) = 36,
    int(0.675 * 80) = 54 and int(0.9 * 80) = 72, as Keras scales them by 0.9."""
    model = M.Sequential([L.Input((3,)), L.Dense(4, name="d1")])
    lines = []
    model.summary(line_length=60, positions=[0.5, 0.75, 1.0], print_fn=lines.append)
    header = next(line for line in lines if line.startswith("Layer"))
    assert header.index("Output Shape") == 30 and header.index("Param #") == 45
    assert lines[1] == "_" * 60
    lines = []
    model.summary(line_length=80, positions=(0.5, 0.75, 1.0), show_trainable=True, print_fn=lines.append)
    header = next(line for line in lines if line.startswith("Layer"))
    assert (header.index("Output Shape"), header.index("Param #"), header.index("Trainable")) == (36, 54, 72)
    lines = []
    model.summary(positions=[20, 35, 50], print_fn=lines.append)    # character columns
    header = next(line for line in lines if line.startswith("Layer"))
    assert header.index("Output Shape") == 20 and header.index("Param #") == 35
    for bad, error in (([0.5, 0.4, 1.0], ValueError), ([0.5, 1.0], ValueError), ("0.5", TypeError),
                       ([0.5, True, 1.0], TypeError)):
        with pytest.raises(error, match="argument `positions`"):
            model.summary(positions=bad, print_fn=lines.append)


def test_summary_takes_keras_arguments_in_keras_order():
    import inspect

    keras = _keras()
    ours = list(inspect.signature(M.Model.summary).parameters)
    assert ours == list(inspect.signature(keras.Model.summary).parameters)


def test_lambda_activation_message_wording(tmp_path):
    model = M.Sequential([L.Input((3,)), L.Dense(2, activation=lambda x: x)])
    with pytest.raises(ValueError) as caught:
        model.save(tmp_path / "m.npz")
    assert ("a lambda or a function defined inside another function has no name by which it could be found again "
            "when the model is loaded") in str(caught.value)


# ----------------------------------------------------------------------------------------------- Input(3)
@pytest.mark.parametrize("arguments", [{"shape": 3}, {"shape": np.int64(3)}, {"batch_shape": 3}, {"shape": 3.0},
                                       {"batch_shape": (None, "3")}])
def test_input_refuses_a_bare_int_shape_as_keras(arguments):
    keras = _keras()
    with pytest.raises(ValueError, match="Cannot convert"):     # Keras: "Cannot convert '3' to a shape."
        keras.layers.Input(**arguments)
    argument = next(iter(arguments))
    with pytest.raises(ValueError, match=f"Invalid value for argument `{argument}`. Expected a tuple of "
                                         "non-negative integers or None") as caught:
        L.Input(**arguments)
    if isinstance(arguments[argument], (int, np.integer)):
        assert f"write {argument}=(3,) for one axis" in str(caught.value)
    with pytest.raises(ValueError, match=f"argument `{argument}`"):
        L.InputLayer(**arguments)


def test_input_of_a_tuple_or_list_still_works():
    assert L.Input((3,)).shape == (None, 3) and L.Input([3]).shape == (None, 3)
    assert L.Input(batch_shape=(2, 3)).shape == (2, 3)


def test_damaged_npz_member_is_named(tmp_path):
    """Our own .npz files: a member whose stored data is damaged (its CRC fails) is named too."""
    model = M.Sequential([L.Input((3,)), L.Dense(2)])
    path = tmp_path / "w.npz"
    model.save_weights(path)
    good = path.read_bytes()
    with zipfile.ZipFile(path) as archive:
        info = archive.infolist()[0]
    data = bytearray(good)
    data[info.header_offset + 30 + len(info.filename) + 100] ^= 0xFF     # inside its .npy data (after the header)
    path.write_bytes(bytes(data))
    with pytest.raises(SavedFileError, match=f"its member '{info.filename}' cannot be read: BadZipFile: Bad CRC"):
        model.load_weights(path)


def test_relu_with_a_negative_slope_casts_integer_inputs_instead_of_truncating():
    """Found by a reviewer: ReLU(negative_slope=0.5) on int32 data kept int32, so -3 * 0.5 became -1 (truncated).
    Keras on torch refuses that input; here it is cast to float32, as LeakyReLU casts it. Hand values; without a
    negative part the integers stay integers, as in Keras."""
    data = np.array([[-3, -1, 2]], "int32")
    out = L.ReLU(negative_slope=0.5)(data)
    assert str(out.dtype) == "float32" and out.tolist() == [[-1.5, -0.5, 2.0]]
    assert out.tolist() == L.LeakyReLU(0.5)(data).tolist()
    kept = L.ReLU(max_value=2.5)(np.array([[-3, -1, 3]], "int32"))
    assert str(kept.dtype) == "int32" and kept.tolist() == [[0, 0, 2]]


def test_damaged_hdf5_inside_a_sound_archive_is_a_saved_file_error(keras_file, tmp_path):
    """Found by a reviewer: a model.weights.h5 damaged before it was zipped (its zip checksum sound) let h5py's own
    errors out ("wrong B-tree signature" RuntimeError, OverflowError, "Insufficient precision" ValueError). A byte
    flipped, every 13th byte, in the archive and in Keras' unzipped folder: a load or a SavedFileError naming the
    file, never anything else."""
    _, data = keras_file
    with zipfile.ZipFile(io.BytesIO(data)) as source:
        members = {name: source.read(name) for name in source.namelist()}
    h5 = members["model.weights.h5"]
    folder = tmp_path / "folder"
    folder.mkdir()
    for name, content in members.items():
        (folder / name).write_bytes(content)
    outcomes = set()
    for position in range(0, len(h5), 13):
        damaged = bytearray(h5)
        damaged[position] ^= 0x5A
        path = tmp_path / "bad.keras"
        with zipfile.ZipFile(path, "w") as out:
            for name, content in members.items():
                out.writestr(name, bytes(damaged) if name == "model.weights.h5" else content)
        (folder / "model.weights.h5").write_bytes(bytes(damaged))
        for where in (path, folder):
            try:
                M.load_model(where)
                outcomes.add("loaded")
            except SavedFileError as error:
                assert repr(str(where)) in str(error) or str(where) in str(error)
                outcomes.add("SavedFileError")
    assert outcomes == {"loaded", "SavedFileError"}
