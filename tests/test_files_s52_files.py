"""Saved files that point elsewhere or would fill memory (session 52, fixer "files").

* A ``.weights.h5`` file (and the ``model.weights.h5`` of a ``.keras`` archive) is refused, before any data is read,
  when it holds an HDF5 link or dataset that reads other data than its own bytes: an external link (Keras 3.15.1:
  "Not allowed: H5 file with ExternalLink"), a soft link, a virtual dataset, external raw storage, references or
  Python objects, or a "shape bomb". Each file is built by hand with h5py; the reference is what Keras 3 refuses and
  that the model's weights stay as they were.
* A ``config.json`` nested thousands deep is a ``SavedFileError``, not a ``RecursionError``.
* ``.npz`` members that are symbolic links, not ``.npy`` arrays, or zip bombs are refused.
"""
import io
import json
import os
import shutil
import stat
import subprocess
import sys
import tracemalloc
import zipfile
from pathlib import Path

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import saving
from tinygradconv.saving import SavedFileError

h5py = pytest.importorskip("h5py", reason="the Keras 3 file format needs h5py")


def _model():
    inp = tg.layers.Input((5,))
    return tg.Model(inp, tg.layers.Dense(2, name="dense")(inp))


@pytest.fixture
def files(tmp_path):
    """A model, its good .weights.h5 and .keras files, and another HDF5 file on the machine (the "secret")."""
    model = _model()
    model.save_weights(tmp_path / "good.weights.h5")
    model.save(tmp_path / "good.keras")
    with h5py.File(tmp_path / "secret.h5", "w") as f:
        f["k"] = np.full((5, 2), 42.0, "float32")
    np.full((5, 2), 9.0, "float32").tofile(tmp_path / "raw.bin")
    return model, tmp_path


def _external_link(f, tmp):
    del f["layers/dense/vars/0"]
    f["layers/dense/vars/0"] = h5py.ExternalLink(str(tmp / "secret.h5"), "/k")


def _external_link_group(f, tmp):
    del f["layers"]
    f["layers"] = h5py.ExternalLink(str(tmp / "secret.h5"), "/")


def _soft_link(f, tmp):
    f["stash"] = np.full((5, 2), 7.0, "float32")
    del f["layers/dense/vars/0"]
    f["layers/dense/vars/0"] = h5py.SoftLink("/stash")


def _virtual(f, tmp):
    del f["layers/dense/vars/0"]
    layout = h5py.VirtualLayout((5, 2), "float32")
    layout[:] = h5py.VirtualSource(str(tmp / "secret.h5"), "k", shape=(5, 2))
    f["layers/dense/vars"].create_virtual_dataset("0", layout)


def _external_raw(f, tmp):
    del f["layers/dense/vars/0"]
    f["layers/dense/vars"].create_dataset("0", (5, 2), "float32", external=[(str(tmp / "raw.bin"), 0, 40)])


def _object_refs(f, tmp):
    f["layers/dense"].create_dataset("refs", data=[f["layers/dense/vars/0"].ref], dtype=h5py.ref_dtype)


def _region_refs(f, tmp):
    kernel = f["layers/dense/vars/0"]
    f.create_dataset("regions", data=[kernel.regionref[0:1]], dtype=h5py.regionref_dtype)


def _strings(f, tmp):
    f["notes"] = np.array(["a", "b"], dtype=h5py.string_dtype())


def _compound_with_ref(f, tmp):
    dtype = np.dtype([("x", "f4"), ("r", h5py.ref_dtype)])
    data = np.zeros(1, dtype)
    data["r"][0] = f["layers/dense/vars/0"].ref
    f.create_dataset("mixed", data=data)


def _shape_bomb(f, tmp):      # declares 8 GiB, stores nothing (fill value, chunked)
    f.create_dataset("junk", shape=(2**31,), dtype="float32", chunks=(2**20,), compression="gzip")


CASES = [
    (_external_link, "an external link (to '/k' in the file", "/layers/dense/vars/0", "ExternalLink"),
    (_external_link_group, "an external link (to '/' in the file", "/layers'", "ExternalLink"),
    (_soft_link, "a soft link (to '/stash')", "/layers/dense/vars/0", "SoftLink"),
    (_virtual, "a virtual dataset (made of the datasets", "/layers/dense/vars/0", "virtual Dataset"),
    (_external_raw, "a dataset stored in other files (external raw storage", "/layers/dense/vars/0",
     "external Dataset"),
    (_object_refs, "a dataset of references", "/layers/dense/refs", None),
    (_region_refs, "a dataset of references", "/regions", None),
    (_strings, "a dataset of Python objects", "/notes", None),
    (_compound_with_ref, "a dataset of Python objects", "/mixed", None),
    (_shape_bomb, "a dataset of shape (2147483648,)", "/junk", None),
]
IDS = [case[0].__name__.strip("_") for case in CASES]


def _edited(tmp, build, name):
    path = tmp / name
    shutil.copy(tmp / "good.weights.h5", path)
    with h5py.File(path, "r+") as f:
        build(f, tmp)
    return path


def _as_keras(tmp, weights_path, name):
    """The good .keras archive with ``weights_path`` as its model.weights.h5."""
    path = tmp / name
    with zipfile.ZipFile(tmp / "good.keras") as src, zipfile.ZipFile(path, "w") as out:
        for member in src.namelist():
            out.writestr(member, weights_path.read_bytes() if member == "model.weights.h5" else src.read(member))
    return path


@pytest.mark.parametrize("build, found, where, keras_name", CASES, ids=IDS)
def test_weights_h5_refuses_links_and_foreign_datasets(on_backend, files, build, found, where, keras_name):
    model, tmp = files
    path = _edited(tmp, build, "bad.weights.h5")
    before = [w.numpy().copy() for w in model.weights]
    with pytest.raises(SavedFileError) as info:
        model.load_weights(path)
    message = str(info.value)
    assert repr(str(path)) in message and found in message and f"at '{where}" in message
    assert "not allowed" in message
    if keras_name:
        assert f"Not allowed: H5 file with {keras_name}" in message
    for weight, old in zip(model.weights, before):      # nothing was read
        np.testing.assert_array_equal(weight.numpy(), old)


@pytest.mark.parametrize("build, found, where, keras_name", CASES, ids=IDS)
def test_keras_archive_refuses_links_and_foreign_datasets(files, build, found, where, keras_name):
    """Inside a .keras archive (read from memory) the message says what was found, not "damaged"."""
    model, tmp = files
    path = _as_keras(tmp, _edited(tmp, build, "bad.weights.h5"), "bad.keras")
    for load in (tg.saving.load_model, model.load_weights):
        with pytest.raises(SavedFileError) as info:
            load(path)
        message = str(info.value)
        assert f"{str(path)!r}: its model.weights.h5 holds at '{where}" in message and found in message
        assert "damaged" not in message


def test_keras_refuses_the_same_external_link(files):
    """The reference: Keras 3.15.1 refuses the external link (F1's file) with "Not allowed"."""
    keras = pytest.importorskip("keras", reason="Keras is the reference")
    _, tmp = files
    path = _edited(tmp, _external_link, "ext.weights.h5")
    kmodel = keras.Sequential([keras.Input((5,)), keras.layers.Dense(2)])
    with pytest.raises(ValueError, match="Not allowed: H5 file with ExternalLink"):
        kmodel.load_weights(path)


def test_hard_links_and_cycles_still_load(on_backend, files):
    """A second hard link to a dataset, and a group hard-linked into itself (a cycle), are plain HDF5: loaded."""
    _, tmp = files
    path = tmp / "hard.weights.h5"
    shutil.copy(tmp / "good.weights.h5", path)
    with h5py.File(path, "r+") as f:
        expected = np.asarray(f["layers/dense/vars/0"])
        f["copy_of_kernel"] = f["layers/dense/vars/0"]
        f["layers/dense/loop"] = f["layers"]
    fresh = _model()
    fresh.load_weights(path)
    np.testing.assert_array_equal(fresh.layers[-1].kernel.numpy(), expected)


def test_huge_declared_weight_is_refused_before_it_is_read(files):
    """A weight dataset declaring 1 GiB (under the bomb floor, fill value only) is refused by its shape, without
    allocating it (before, it was read whole, then compared)."""
    model, tmp = files
    path = tmp / "big.weights.h5"
    shutil.copy(tmp / "good.weights.h5", path)
    with h5py.File(path, "r+") as f:
        del f["layers/dense/vars/0"]
        f["layers/dense/vars"].create_dataset("0", shape=(2**14, 2**14), dtype="float32", chunks=(256, 256),
                                              compression="gzip")
    tracemalloc.start()
    try:
        with pytest.raises(SavedFileError, match=r"has shape \(5, 2\), the file has \(16384, 16384\)"):
            model.load_weights(path)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert peak < 2**27


def test_keras_written_files_still_load(on_backend, tmp_path):
    """Files written by Keras 3 itself (weights and a compiled, trained model with its optimizer) load."""
    keras = pytest.importorskip("keras", reason="files written by Keras")
    kmodel = keras.Sequential([keras.Input((5,)), keras.layers.Dense(3), keras.layers.BatchNormalization(),
                               keras.layers.Dense(2)])
    kmodel.compile("adam", "mse")
    kmodel.fit(np.ones((8, 5), "float32"), np.ones((8, 2), "float32"), verbose=0)
    kmodel.save_weights(tmp_path / "k.weights.h5")
    kmodel.save(tmp_path / "k.keras")
    x = np.linspace(-1, 1, 10, dtype="float32").reshape(2, 5)
    expected = np.asarray(kmodel.predict(x, verbose=0))
    ours = tg.saving.load_model(tmp_path / "k.keras")
    np.testing.assert_allclose(np.asarray(ours.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-6)
    mine = tg.Sequential([tg.layers.Input((5,)), tg.layers.Dense(3), tg.layers.BatchNormalization(),
                          tg.layers.Dense(2)])
    mine.load_weights(tmp_path / "k.weights.h5")
    np.testing.assert_allclose(np.asarray(mine.predict(x, verbose=0)), expected, rtol=1e-5, atol=1e-6)


# ------------------------------------------------------------------------------------------------ deep config.json
def _deep_keras(tmp, config_text, name="deep.keras"):
    path = tmp / name
    with zipfile.ZipFile(tmp / "good.keras") as src, zipfile.ZipFile(path, "w") as out:
        for member in src.namelist():
            out.writestr(member, config_text if member == "config.json" else src.read(member))
    return path


def test_deeply_nested_config_is_a_saved_file_error(files):
    _, tmp = files
    path = _deep_keras(tmp, "[" * 100000 + "]" * 100000)
    with pytest.raises(SavedFileError, match=r"'config.json' is not valid JSON.*more than 200 levels deep"):
        tg.saving.load_model(path)
    folder = tmp / "folder"         # Keras' model.save(folder, zipped=False)
    with zipfile.ZipFile(path) as archive:
        archive.extractall(folder)
    with pytest.raises(SavedFileError, match="config.json is not valid JSON.*levels deep"):
        tg.saving.load_model(folder)
    with pytest.raises(ValueError, match="levels deep"):
        tg.keras_format.model_from_json("{" + '"a": {' * 5000 + "}" * 5001)


def test_config_nested_just_under_the_limit_does_not_escape(files):
    """201 levels (refused) and 200 levels (read, then refused as a bad argument) are both SavedFileErrors, never
    a RecursionError from the code that walks the config."""
    _, tmp = files
    with zipfile.ZipFile(tmp / "good.keras") as src:
        config = json.loads(src.read("config.json"))

    def with_units(levels):
        edited = json.loads(json.dumps(config))
        value = 3
        for _ in range(levels):
            value = [value]
        edited["config"]["layers"][-1]["config"]["units"] = value
        return json.dumps(edited)

    depth = 6       # {} -> "config" -> "layers" [] -> {} -> "config" -> "units": the levels above the value
    levels = saving.MAX_JSON_DEPTH - depth          # the deepest value allowed: walked, refused as an argument
    with pytest.raises(SavedFileError, match="Invalid type for argument `units`"):
        tg.saving.load_model(_deep_keras(tmp, with_units(levels), "at_limit.keras"))
    with pytest.raises(SavedFileError, match="more than 200 levels deep"):
        tg.saving.load_model(_deep_keras(tmp, with_units(levels + 1), "over_limit.keras"))


def test_deep_npz_metadata_is_a_saved_file_error(tmp_path):
    model = _model()
    model.save_weights(tmp_path / "good.npz")
    with np.load(tmp_path / "good.npz") as data:
        arrays = dict(data)
    arrays[saving.META_KEY] = np.frombuffer(("[" * 100000 + "]" * 100000).encode(), np.uint8)
    np.savez(tmp_path / "deep.npz", **arrays)
    with pytest.raises(SavedFileError, match="corrupted metadata.*levels deep"):
        model.load_weights(tmp_path / "deep.npz")


# --------------------------------------------------------------------------------------------------------- .npz
def _npz_with(tmp, replace):
    """The model's good .npz with the member 'dense/kernel.npy' written by ``replace(zip_out, name)``."""
    model = _model()
    model.save_weights(tmp / "good.npz")
    path = tmp / "edited.npz"
    with zipfile.ZipFile(tmp / "good.npz") as src, zipfile.ZipFile(path, "w") as out:
        for member in src.namelist():
            if member == "dense/kernel.npy":
                replace(out, member)
            else:
                out.writestr(member, src.read(member))
    return model, path


def test_npz_symlink_member_is_refused(tmp_path):
    np.save(tmp_path / "secret.npy", np.full((5, 2), 42.0, "float32"))

    def symlink(out, name):
        info = zipfile.ZipInfo(name)
        info.create_system = 3
        info.external_attr = (stat.S_IFLNK | 0o777) << 16
        out.writestr(info, str(tmp_path / "secret.npy"))

    model, path = _npz_with(tmp_path, symlink)
    with pytest.raises(SavedFileError, match="'dense/kernel.npy' is a symbolic link"):
        model.load_weights(path)


def test_npz_member_that_is_not_npy_is_refused(tmp_path):
    """NumPy hands back the raw bytes of such a member; it was an AttributeError ('bytes' has no 'dtype')."""
    model, path = _npz_with(tmp_path, lambda out, name: out.writestr(name, b"hello, not an array"))
    with pytest.raises(SavedFileError, match=r"'dense/kernel.npy' is not a NumPy .npy array.*b'hello"):
        model.load_weights(path)


def test_zip_bomb_rule_is_keras_rule():
    """Keras 3.15.1's rule (saving_lib._reject_zip_bomb): over 4 GiB and over 100 times what is stored."""
    info = zipfile.ZipInfo("model.weights.h5")
    info.file_size, info.compress_size = 2**32 + 1, 2**25      # 128 times
    with pytest.raises(SavedFileError, match="'model.weights.h5' declares 4 GiB but stores only 33554432 bytes"):
        saving.refuse_zip_bomb(info, "m.keras")
    info.compress_size = 2**26                                 # 64 times: a plausible compressed file
    saving.refuse_zip_bomb(info, "m.keras")
    info.file_size, info.compress_size = 2**32, 1              # not over the floor
    saving.refuse_zip_bomb(info, "m.keras")


def test_zip_bombs_are_refused_in_npz_and_keras(tmp_path, monkeypatch):
    """With the floor lowered to 1 KiB, a compressed member of zeros is a bomb, before it is read."""
    monkeypatch.setattr(saving, "ZIP_BOMB_FLOOR_BYTES", 1024)
    model, path = _npz_with(tmp_path, lambda out, name: out.writestr(
        name, _npy_bytes(np.zeros((5, 2000), "float32")), compress_type=zipfile.ZIP_DEFLATED))
    with pytest.raises(SavedFileError, match="'dense/kernel.npy' declares .* GiB but stores only"):
        model.load_weights(path)
    model.save(tmp_path / "good.keras")
    bomb = tmp_path / "bomb.keras"
    with zipfile.ZipFile(tmp_path / "good.keras") as src, zipfile.ZipFile(bomb, "w") as out:
        for member in src.namelist():
            data = bytes(100_000) if member == "model.weights.h5" else src.read(member)
            out.writestr(member, data, compress_type=zipfile.ZIP_DEFLATED)
    with pytest.raises(SavedFileError, match="'model.weights.h5' declares"):
        tg.saving.load_model(bomb)


def _npy_bytes(array):
    buffer = io.BytesIO()
    np.save(buffer, array)
    return buffer.getvalue()


def test_deeply_nested_configuration_file_is_reported(tmp_path):
    """tinygradconv's own config.json (read at import) nested thousands deep: the usual "Could not read the
    configuration file" ValueError, not a RecursionError."""
    (tmp_path / "config.json").write_text("[" * 100000 + "]" * 100000)
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYGRADCONV_")}
    env.update(TINYGRADCONV_HOME=str(tmp_path), PYTHONPATH=str(Path(__file__).resolve().parents[1]))
    out = subprocess.run([sys.executable, "-c", "import tinygradconv"], env=env, capture_output=True, text=True,
                         timeout=120, check=False)
    assert out.returncode != 0
    assert "ValueError: Could not read the configuration file" in out.stderr, out.stderr
    assert "RecursionError" not in out.stderr.splitlines()[-1]
