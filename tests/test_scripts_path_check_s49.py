"""``output_folder`` and ``save_figure``/``figure_path`` read a path the same way (a str or an ``os.PathLike``,
a bytes ``__fspath__`` decoded) and word a wrong type the same way: save_figure's message said "a str such as
'graph.png'" although it takes a ``pathlib.Path`` too."""
import os
import re

import pytest

from tinygradconv.scripts import figure_path, output_folder, save_figure


class BytesPath:
    """An ``os.PathLike`` whose ``__fspath__`` gives bytes, as ``os.fspath`` allows."""

    def __init__(self, raw):
        self.raw = raw

    def __fspath__(self):
        return self.raw


@pytest.mark.parametrize("wrong", [3, None, b"figures", ["a.png"]])
def test_each_caller_words_a_wrong_type_alike(wrong, tmp_path, monkeypatch):
    monkeypatch.delenv("TINYGRADCONV_FIGURES", raising=False)
    received = f"received {type(wrong).__name__} {re.escape(repr(wrong))}$"
    calls = [(lambda: output_folder(wrong, "--out"), r"--out: expected a folder's path"),
             (lambda: save_figure(None, wrong), r"name of save_figure: expected a file name such as 'graph\.png'"),
             (lambda: figure_path(wrong), r"name of figure_path: expected a file name such as 'graph\.png'")]
    for call, middle in calls:
        with pytest.raises(TypeError, match=rf"^Invalid type for argument {middle} \(a str or an os\.PathLike\), "
                                            + received):
            call()


def test_a_path_object_giving_bytes_is_decoded_by_each_caller(tmp_path, monkeypatch):
    folder = output_folder(BytesPath(os.fsencode(tmp_path / "figs")), "--out")
    assert folder == tmp_path / "figs" and folder.is_dir()
    monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "figs"))
    assert figure_path(BytesPath(b"a.gif")) == tmp_path / "figs" / "a.gif"
    with pytest.raises(ValueError, match=r"^Invalid value for argument name of figure_path: .*received 'x/a\.gif'"):
        figure_path(BytesPath(b"x/a.gif"))
