"""Files the package writes and reads: ordinary permissions (the process umask) for every writer, and load errors
that say what a file is when it is not one of our archives, naming its path once.

The reference for permissions is a file made by plain ``open(path, "w")`` under the same umask, not the code under
test.
"""
import os
import stat
import zipfile

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import saving
from tinygradconv.layers import Dense
from tinygradconv.models import Sequential, load_model
from tinygradconv.saving import SavedFileError

pytestmark = pytest.mark.skipif(os.name != "posix", reason="POSIX file modes and umask")

UMASKS = [0o022, 0o077, 0o002, 0o027]


@pytest.fixture(params=UMASKS, ids=[f"umask{m:03o}" for m in UMASKS])
def umask(request):
    """Run the test under this process umask (restored afterwards)."""
    previous = os.umask(request.param)
    try:
        yield request.param
    finally:
        os.umask(previous)


def mode(path):
    return stat.S_IMODE(os.stat(path).st_mode)


def open_mode(folder):
    """The mode ``open`` gives a new file under the current umask: the reference."""
    reference = folder / "reference-by-open.txt"
    with open(reference, "w") as f:
        f.write("x")
    result = mode(reference)
    reference.unlink()
    return result


def small_model():
    model = Sequential([Dense(2)])
    model(np.zeros((1, 3)))
    model.compile(optimizer="sgd", loss="mse")
    return model


def assert_ordinary(paths, folder, umask):
    expected = open_mode(folder)
    assert expected == 0o666 & ~umask  # what POSIX open() does, for the record
    for path in paths:
        assert os.path.exists(path), path
        assert mode(path) == expected, f"{path}: {oct(mode(path))} instead of {oct(expected)}"
    assert not [p for p in os.listdir(folder) if ".tmp" in p]  # no temporary file left behind


# ----------------------------------------------------------------------------------------------- writers
def test_weights_and_models_get_ordinary_permissions(tmp_path, umask):
    model = small_model()
    model.save_weights(tmp_path / "m.weights.npz")
    model.save(tmp_path / "m.tgc.npz")
    saving.save_weights(model, tmp_path / "f.weights.npz")
    assert_ordinary([tmp_path / "m.weights.npz", tmp_path / "m.tgc.npz", tmp_path / "f.weights.npz"], tmp_path,
                    umask)


@pytest.mark.parametrize("existing_mode", [0o600, 0o640, 0o644, 0o660])
def test_overwriting_keeps_the_existing_mode_as_open_does(tmp_path, umask, existing_mode):
    reference = tmp_path / "by-open.txt"  # the reference: open(path, "w") on an existing file keeps its mode
    reference.write_bytes(b"old")
    os.chmod(reference, existing_mode)
    with open(reference, "w") as f:
        f.write("new")
    assert mode(reference) == existing_mode
    model = small_model()
    paths = [tmp_path / "m.weights.npz", tmp_path / "m.tgc.npz", tmp_path / "f.weights.npz", tmp_path / "h.bin"]
    for path in paths:
        path.write_bytes(b"old")
        os.chmod(path, existing_mode)
    model.save_weights(paths[0])
    model.save(paths[1])
    saving.save_weights(model, paths[2])
    saving.atomic_write(paths[3], lambda tmp: open(tmp, "wb").close(), to_path=True)
    for path in paths:
        assert mode(path) == existing_mode, f"{path}: {oct(mode(path))} instead of {oct(existing_mode)}"
    assert not [p for p in os.listdir(tmp_path) if ".tmp" in p]


def test_checkpoint_overwriting_keeps_the_existing_mode(tmp_path, umask):
    path = tmp_path / "best.weights.npz"
    path.write_bytes(b"old")
    os.chmod(path, 0o600)
    small_model().fit(np.ones((4, 3)), np.ones((4, 2)), epochs=2, verbose=0,
                      callbacks=[tg.callbacks.ModelCheckpoint(str(path), save_weights_only=True)])
    assert mode(path) == 0o600
    np.load(path, allow_pickle=False).close()  # the new content is there


@pytest.mark.parametrize("to_path", [False, True])
def test_atomic_write_helper(tmp_path, umask, to_path):
    path = tmp_path / "data.bin"
    if to_path:
        def write(tmp):  # a writer that opens the path itself, as matplotlib and Pillow do
            with open(tmp, "wb") as f:
                f.write(b"abc")

        saving.atomic_write(path, write, to_path=True)
    else:
        saving.atomic_write(path, lambda f: f.write(b"abc"))
    assert path.read_bytes() == b"abc"
    assert_ordinary([path], tmp_path, umask)


def test_atomic_write_keeps_the_suffix_for_writers_that_infer_the_format(tmp_path):
    seen = []
    saving.atomic_write(tmp_path / "figure.png", lambda tmp: seen.append(tmp) or open(tmp, "wb").close(),
                        to_path=True)
    assert seen[0].endswith(".png") and os.path.dirname(seen[0]) == str(tmp_path)


def test_callbacks_checkpoints_and_csv_logs_get_ordinary_permissions(tmp_path, umask):
    model = small_model()
    callbacks = [tg.callbacks.ModelCheckpoint(str(tmp_path / "ckpt" / "e{epoch}.weights.npz"), save_weights_only=True),
                 tg.callbacks.ModelCheckpoint(str(tmp_path / "best.tgc.npz")),
                 tg.callbacks.CSVLogger(tmp_path / "log.csv")]
    model.fit(np.ones((4, 3)), np.ones((4, 2)), epochs=2, callbacks=callbacks, verbose=0)
    paths = [tmp_path / "ckpt" / "e1.weights.npz", tmp_path / "ckpt" / "e2.weights.npz", tmp_path / "best.tgc.npz",
             tmp_path / "log.csv"]
    assert_ordinary(paths, tmp_path, umask)
    assert mode(tmp_path / "ckpt") == 0o777 & ~umask  # the folder it made, as os.makedirs does


def test_figures_and_gifs_get_ordinary_permissions(tmp_path, umask):
    pytest.importorskip("matplotlib")
    pytest.importorskip("PIL")
    from tinygradconv.viz import connectivity

    plt = connectivity.pyplot()
    ax = connectivity.plot_connectivity("conv1d_transpose", 3, 2, strides=2)
    connectivity._save(ax.figure, tmp_path / "connectivity.png")
    plt.close(ax.figure)
    anim = connectivity.animate_transposed_conv(2, 2, strides=2, path=tmp_path / "scatter.gif")
    plt.close(anim._fig)
    with open(tmp_path / "connectivity.png", "rb") as f:
        assert f.read(8) == b"\x89PNG\r\n\x1a\n"
    with open(tmp_path / "scatter.gif", "rb") as f:
        assert f.read(4) == b"GIF8"  # Pillow still picked the format from the suffix
    assert_ordinary([tmp_path / "connectivity.png", tmp_path / "scatter.gif"], tmp_path, umask)


def test_demo_figures_get_ordinary_permissions(tmp_path, umask):
    pytest.importorskip("matplotlib")
    from tinygradconv import __main__ as cli
    from tinygradconv.viz._mpl import pyplot

    fig = pyplot().figure(figsize=(1, 1))
    cli._save_figure(fig, str(tmp_path / "demo.png"))
    pyplot().close(fig)
    assert_ordinary([tmp_path / "demo.png"], tmp_path, umask)


def test_a_failed_write_names_the_destination_once_and_leaves_nothing(tmp_path):
    target = tmp_path / "missing" / "m.npz"
    with pytest.raises(FileNotFoundError) as info:
        small_model().save_weights(target)
    assert str(info.value).count(str(target)) == 1 and "does not exist" in str(info.value)

    def fail(tmp):
        raise PermissionError(13, "Permission denied", tmp)

    with pytest.raises(PermissionError) as info:
        saving.atomic_write(tmp_path / "x.png", fail, to_path=True)
    assert info.value.filename == str(tmp_path / "x.png") and ".tmp" not in str(info.value)
    assert os.listdir(tmp_path) == []


# ----------------------------------------------------------------------------------------------- reading
def not_ours(tmp_path, name, content):
    path = tmp_path / name
    path.write_bytes(content)
    return path


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + bytes(20)


@pytest.mark.parametrize("name, content, kind", [
    ("notes.npz", b"weights: 1 2 3\nthese are my notes\n", "a text file"),
    ("notes.txt", "poids : é à ü\n".encode(), "a text file"),
    ("picture.png", PNG, "a PNG image"),
    ("picture.npz", PNG, "a PNG image"),
    ("anim.gif", b"GIF89a" + bytes(20), "a GIF image"),
    ("photo.jpg", b"\xff\xd8\xff\xe0" + bytes(20), "a JPEG image"),
    ("model.h5", b"\x89HDF\r\n\x1a\n" + bytes(20), "an HDF5 file"),
    ("empty.npz", b"", "an empty file"),
    ("random.npz", bytes(range(256)), "not a zip archive"),
    ("pickled.npz", b"\x80\x04\x95" + bytes(20), "a Python pickle"),
])
def test_a_file_that_is_not_one_of_our_archives_is_named_for_what_it_is(tmp_path, name, content, kind):
    path = not_ours(tmp_path, name, content)
    model = small_model()
    before = model.get_weights()
    for load in (model.load_weights, load_model):
        with pytest.raises(SavedFileError) as info:
            load(path)
        message = str(info.value)
        assert f"is not a tinygradconv archive (a .npz file written by save_weights or save): it is {kind}" in message
        assert message.count(str(path)) == 1
        assert "allow_pickle" not in message and "pickle.load" not in message and "trust" not in message
    for old, now in zip(before, model.get_weights()):
        np.testing.assert_array_equal(old, now)


def test_a_single_npy_array_and_a_zip_of_other_files(tmp_path):
    np.save(tmp_path / "one.npy", np.zeros(3))
    for name in ("model.zip", "model.keras"):   # e.g. a Keras 3 .keras file, renamed or not
        with zipfile.ZipFile(tmp_path / name, "w") as archive:
            archive.writestr("config.json", "{}")
            archive.writestr("model.weights.h5", b"\x89HDF\r\n\x1a\n")
    with zipfile.ZipFile(tmp_path / "notes.zip", "w") as archive:
        archive.writestr("notes.txt", "hello")
        archive.writestr("config.json", "{}")
    for path, kind in ((tmp_path / "one.npy", "a single NumPy .npy array"),
                       (tmp_path / "notes.zip", "a zip archive of other files (notes.txt, config.json)")):
        with pytest.raises(SavedFileError) as info:
            small_model().load_weights(path)
        assert str(info.value) == f"{str(path)!r} is not a tinygradconv archive (a .npz file written by " \
                                  f"save_weights or save): it is {kind}"
    for load in (small_model().load_weights, load_model):     # a .keras file renamed: the suffix is the advice
        with pytest.raises(SavedFileError, match=r"model.zip' .*it looks like a Keras 3 .keras archive \(it holds "
                                                 r"config.json, model.weights.h5\): name it with the .keras suffix"):
            load(tmp_path / "model.zip")
    pytest.importorskip("h5py", reason="a .keras archive's weights are read with h5py")
    with pytest.raises(SavedFileError, match="model.keras': its model.weights.h5 is not a readable HDF5 file"):
        small_model().load_weights(tmp_path / "model.keras")   # read as Keras 3 reads it: its weights are damaged


def test_object_arrays_are_refused_without_advice_about_arguments_we_do_not_have(tmp_path):
    model = small_model()
    arrays = {key: w.numpy() for key, w in saving.weight_keys(model)}
    arrays["dense/bias"] = np.array([{"a": 1}, None], dtype=object)
    with open(tmp_path / "objects.npz", "wb") as f:
        np.savez(f, **arrays)
    with pytest.raises(SavedFileError) as info:
        model.load_weights(tmp_path / "objects.npz")
    message = str(info.value)
    assert "holds Python objects (pickled data) under key 'dense/bias'" in message and "never unpickles" in message
    assert "allow_pickle" not in message and message.count(str(tmp_path / "objects.npz")) == 1


def test_damaged_archives_and_missing_files_name_the_path_once(tmp_path):
    model = small_model()
    path = tmp_path / "w.npz"
    model.save_weights(path)
    path.write_bytes(path.read_bytes()[:100])
    with pytest.raises(SavedFileError) as info:
        model.load_weights(path)
    assert "damaged .npz archive (truncated or corrupted)" in str(info.value)
    assert str(info.value).count(str(path)) == 1
    for error, target in ((FileNotFoundError, tmp_path / "nope.npz"), (IsADirectoryError, tmp_path)):
        with pytest.raises(error) as info:
            model.load_weights(target)
        assert str(info.value).count(str(target)) == 1
