"""Keras 3 parity found by a tester (session 42): damaged .keras archives, integer inputs of layers, layer configs,
``summary(positions=, layer_range=)``, ``Input(3)``. Expected values come from Keras 3.15.1 (torch backend), run
here where it is installed, or written out from a run of it."""
import struct

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
