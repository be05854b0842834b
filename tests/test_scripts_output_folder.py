"""``tinygradconv.scripts.output_folder``, the one rule for every folder written into (``TINYGRADCONV_FIGURES``,
``demo --out``, ``figures --out``, the examples' ``--out``), found by a reviewer (session 45): a dangling symlink
raised ``FileExistsError`` (a traceback in the examples and with TINYGRADCONV_FIGURES), ``--out '~nosuchuser/x'``
``RuntimeError: Could not determine home directory.``, and ``examples/seed_example.py --out ' '`` made a folder
named " " (the blank check was in some callers only). Each is now a ValueError naming the setting and the path,
raised by ``output_folder`` itself, and each caller reports it the same way."""
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tinygradconv.__main__ import main
from tinygradconv.scripts import figures_folder, output_folder

ROOT = Path(__file__).resolve().parent.parent
NO_USER = "~tinygradconv_no_such_user_f7/x"


def refused(given, *words, setting="--out"):
    with pytest.raises(ValueError) as info:
        output_folder(given, setting)
    message = str(info.value)
    assert message.startswith(f"Invalid value for {setting}: "), message
    for word in words:
        assert word in message, message
    return message


def test_a_dangling_symlink_is_refused_naming_it_and_its_target(tmp_path):
    link = tmp_path / "figures"
    link.symlink_to(tmp_path / "gone")
    refused(str(link), f"{str(link)!r} is a link to {str(tmp_path / 'gone')!r}, which does not exist")
    loop = tmp_path / "loop"
    loop.symlink_to(loop)                                   # a link to itself: a loop, refused the same way
    refused(str(loop), f"{str(loop)!r} is a link to", "loop of links")
    assert not (tmp_path / "gone").exists()


def test_a_symlink_to_a_folder_is_that_folder(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    assert output_folder(str(tmp_path / "link"), "--out").resolve() == (tmp_path / "real").resolve()


def test_a_tilde_user_that_does_not_exist_is_refused():
    refused(NO_USER, f"{NO_USER!r} starts with '~tinygradconv_no_such_user_f7', but there is no user "
                     "'tinygradconv_no_such_user_f7'")


def test_a_tilde_is_the_home_folder(tmp_path, monkeypatch):
    monkeypatch.setenv("HOME", str(tmp_path))
    assert output_folder("~/figures", "--out") == tmp_path / "figures" and (tmp_path / "figures").is_dir()


@pytest.mark.parametrize("blank", ["", " ", "\t"])
def test_a_blank_path_is_refused_and_makes_nothing(blank, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    refused(blank, f"give a folder name, not {blank!r}")
    assert list(tmp_path.iterdir()) == []


def test_a_nul_character_and_a_wrong_type_are_refused():
    refused("a\0b", "holds a NUL character")
    with pytest.raises(TypeError, match=r"Invalid type for argument --out: .*received NoneType None"):
        output_folder(None, "--out")


def test_tinygradconv_figures_naming_a_dangling_symlink_is_a_value_error(tmp_path, monkeypatch):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    monkeypatch.setenv("TINYGRADCONV_FIGURES", str(tmp_path / "link"))
    with pytest.raises(ValueError, match=r"Invalid value for the environment variable TINYGRADCONV_FIGURES: .*link' "
                                         r"is a link to .*gone', which does not exist"):
        figures_folder()


@pytest.mark.parametrize("command", [["demo", "--fast", "--quiet", "--no-plots"], ["figures"]])
def test_the_command_line_reports_each_refused_out(command, tmp_path, capsys):
    pytest.importorskip("matplotlib")
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    for given, words in ((str(tmp_path / "link"), "is a link to"), (NO_USER, "there is no user"),
                         (" ", "give a folder name, not ' '")):
        try:
            status = main([*command, "--out", given])
        except SystemExit as exc:                           # argparse's errors exit
            status = exc.code
        err = capsys.readouterr().err
        assert status == 2 and "Invalid value for --out: " in err and words in err, err
        assert "Traceback" not in err


def run_seed_example(*extra, env=None, cwd=ROOT):
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT), **(env or {}))
    return subprocess.run([sys.executable, str(ROOT / "examples" / "seed_example.py"), "--fast", *extra],
                          capture_output=True, text=True, check=False, env=environment, cwd=cwd, timeout=120)


def test_an_example_refuses_a_blank_out_and_makes_no_folder(tmp_path):
    for blank in (" ", ""):
        result = run_seed_example("--out", blank, cwd=tmp_path)
        assert result.returncode == 2, result.stderr
        assert f"error: Invalid value for --out: give a folder name, not {blank!r}" in result.stderr, result.stderr
    assert list(tmp_path.iterdir()) == []                   # no folder named " " where it ran


def test_an_example_reports_a_dangling_symlink_out_or_figures_without_a_traceback(tmp_path):
    (tmp_path / "link").symlink_to(tmp_path / "gone")
    link = str(tmp_path / "link")
    for extra, env in ((("--out", link), None), ((), {"TINYGRADCONV_FIGURES": link}), (("--out", NO_USER), None)):
        result = run_seed_example(*extra, env=env)
        assert result.returncode == 2, result.stderr
        assert "error: Invalid value for " in result.stderr and "Traceback" not in result.stderr, result.stderr
