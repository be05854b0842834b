"""``tinygradconv.scripts``: how the tutorials and examples read ``TINYGRADCONV_FAST`` and
``TINYGRADCONV_FIGURES``. Found by a tester: ``TINYGRADCONV_FAST=no`` (or ``false``) meant a short run, a
``TINYGRADCONV_FIGURES`` naming a file raised ``FileExistsError`` from ``os.makedirs``, and a mistyped one created
folders anywhere."""
import matplotlib
import pytest

from tinygradconv.scripts import fast_run, figure_path, figures_folder, save_figure

matplotlib.use("Agg")


@pytest.mark.parametrize("value, short", [(None, False), ("", False), ("0", False), ("no", False), ("False", False),
                                          ("off", False), ("1", True), ("yes", True), ("TRUE", True), (" on ", True)])
def test_fast_run_reads_yes_and_no_words(monkeypatch, value, short):
    if value is None:
        monkeypatch.delenv("TINYGRADCONV_FAST", raising=False)
    else:
        monkeypatch.setenv("TINYGRADCONV_FAST", value)
    assert fast_run() is short


@pytest.mark.parametrize("value", ["2", "fast", "nope"])
def test_fast_run_refuses_other_values_naming_the_variable(monkeypatch, value):
    monkeypatch.setenv("TINYGRADCONV_FAST", value)
    with pytest.raises(ValueError, match=rf"environment variable TINYGRADCONV_FAST: .*Received '{value}'"):
        fast_run()


def test_figures_go_into_the_named_folder_and_nowhere_without_one(monkeypatch, tmp_path):
    import matplotlib.pyplot as plt

    fig = plt.figure()
    monkeypatch.delenv("TINYGRADCONV_FIGURES", raising=False)
    assert figures_folder() is None and figure_path("a.gif") is None and save_figure(fig, "a.png") is None
    monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "figures"))   # created: its parent exists
    assert save_figure(fig, "a.png") is None      # a notebook cell ending with it shows nothing
    assert (tmp_path / "figures" / "a.png").read_bytes()[:4] == b"\x89PNG"
    assert figure_path("b.gif") == tmp_path / "figures" / "b.gif"
    plt.close(fig)


def test_a_figures_path_that_is_a_file_or_has_no_parent_is_refused(monkeypatch, tmp_path):
    (tmp_path / "file").write_text("x")
    monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "file"))
    with pytest.raises(ValueError, match=r"TINYGRADCONV_FIGURES: .*file' is a file, not a folder"):
        figures_folder()
    monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "missing" / "figures"))
    with pytest.raises(ValueError, match=r"TINYGRADCONV_FIGURES: the folder .*missing' .* does not exist"):
        figures_folder()
    assert not (tmp_path / "missing").exists()


def test_a_figures_path_under_a_file_says_so(monkeypatch, tmp_path):
    """``/tmp/afile/sub`` with ``/tmp/afile`` a file was told that the folder "does not exist" (a re-tester)."""
    (tmp_path / "afile").write_text("x")
    monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "afile" / "sub"))
    with pytest.raises(ValueError, match=r"the folder .*afile' that should hold 'sub' is a file, not a folder"):
        figures_folder()


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_figures_folder_is_unset(monkeypatch, tmp_path, blank):
    """``TINYGRADCONV_FIGURES=" "`` made a folder named " " where the script ran (found by a tester)."""
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("TINYGRADCONV_FIGURES", blank)
    assert figures_folder() is None and figure_path("x.png") is None
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("figures_set", [False, True])
@pytest.mark.parametrize("name", ["/tmp/x/conn.png", "out/conn.png", "./conn.png", "", " ", ".", ".."])
def test_a_name_with_a_folder_is_refused_not_ignored(monkeypatch, tmp_path, figures_set, name):
    """``save_figure(fig, "/tmp/x/conn.png")``, copied from a tutorial by a student, saved nothing and said nothing
    without TINYGRADCONV_FIGURES (found by a tester); with it, the folder in the name was not the one used. Refused
    either way, naming the argument, the value and what to do instead; nothing is written anywhere."""
    import matplotlib.pyplot as plt

    monkeypatch.chdir(tmp_path)
    if figures_set:
        monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "figures"))
    else:
        monkeypatch.delenv("TINYGRADCONV_FIGURES", raising=False)
    fig = plt.figure()
    with pytest.raises(ValueError, match=r"^Invalid value for argument name of save_figure: expected a file name "
                                         rf"alone, such as 'graph.png', received '{name}'\. .*fig\.savefig\(path\).*"
                                         "set TINYGRADCONV_FIGURES"):
        save_figure(fig, name)
    with pytest.raises(ValueError, match=r"^Invalid value for argument name of figure_path: .*received"):
        figure_path(name)
    plt.close(fig)
    assert list(tmp_path.rglob("*.png")) == [] and not (tmp_path / "x").exists()


def test_a_name_that_is_not_text_is_a_type_error(monkeypatch):
    monkeypatch.delenv("TINYGRADCONV_FIGURES", raising=False)
    with pytest.raises(TypeError, match=r"^Invalid type for argument name of save_figure: .*received int 3$"):
        save_figure(None, 3)
