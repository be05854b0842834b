"""The command line: ``python -m tinygradconv {demo, info, connectivity, figures}``."""
import json
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import config
from tinygradconv.__main__ import main

ROOT = Path(__file__).resolve().parent.parent


def _run(*args, env=None):
    environment = dict(os.environ, PYTHONPATH=str(ROOT), MPLBACKEND="Agg")
    environment.update(env or {})
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, env=environment, cwd=ROOT,
                          timeout=120, check=False)


# ------------------------------------------------------------------------------------------------ parser
@pytest.mark.parametrize("command", ["demo", "info", "connectivity", "figures"])
def test_every_subcommand_has_help(command, capsys):
    with pytest.raises(SystemExit) as exc:
        main([command, "--help"])
    assert exc.value.code == 0
    assert f"python -m tinygradconv {command}" in capsys.readouterr().out


def test_top_level_help_lists_every_command(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    for command in ("demo", "info", "connectivity", "figures"):
        assert re.search(rf"^\s+{command}\b", out, re.MULTILINE), command


def test_no_command_lists_the_commands(capsys):
    assert main([]) == 0
    out = capsys.readouterr().out
    for command in ("demo", "info", "connectivity", "figures"):
        assert re.search(rf"^\s+{command}\b", out, re.MULTILINE), command
    result = _run("-m", "tinygradconv")
    assert result.returncode == 0 and "connectivity" in result.stdout and not result.stderr


def test_unknown_command_is_a_usage_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["train"])
    assert exc.value.code == 2
    assert "invalid choice: 'train'" in capsys.readouterr().err


def test_figures_write_into_a_folder_of_their_own_by_default():
    """The default was ``docs/_static``, made wherever the command ran (found by a tester)."""
    from tinygradconv.__main__ import build_parser

    assert build_parser("figures").parse_args(["figures"]).out == "tinygradconv-figures"
    assert "--out docs/_static" in (Path(__file__).resolve().parents[1] / "Makefile").read_text()   # make figures


@pytest.mark.parametrize("argv", [["connectivity", "-o", "x.png"], ["figures", "--out", "figs"]])
def test_plotting_commands_without_matplotlib_say_how_to_install_it(argv, monkeypatch, capsys, tmp_path):
    monkeypatch.chdir(tmp_path)
    for name in [m for m in sys.modules if m == "matplotlib" or m.startswith("matplotlib.")]:
        monkeypatch.delitem(sys.modules, name)
    monkeypatch.setitem(sys.modules, "matplotlib", None)            # `import matplotlib` raises ImportError
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 1
    err = capsys.readouterr().err
    assert err.count("\n") == 1 and "pip install 'tinygradconv[viz]'" in err and "Traceback" not in err
    assert not list(tmp_path.iterdir())


def test_make_demo_installs_only_the_plotting_and_exercises_extras():
    """The tutorials run in make demo's environment: their checkers need array-api-strict (the exercises extra)."""
    makefile = (ROOT / "Makefile").read_text()
    demo_rule = re.search(r"^demo: (\S+)", makefile, re.MULTILINE).group(1)
    assert demo_rule == "$(DEMO_STAMP)"
    recipe = re.search(r"^\$\(DEMO_STAMP\): .*?\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    assert '-e ".[viz,exercises]"' in recipe and "dev" not in recipe and "docs" not in recipe


def test_version(capsys):
    with pytest.raises(SystemExit):
        main(["--version"])
    assert capsys.readouterr().out.strip() == f"tinygradconv {tg.__version__}"


# ------------------------------------------------------------------------------------------------ info
def test_info_text(capsys):
    assert main(["info"]) == 0
    out = capsys.readouterr().out
    assert out.startswith(f"tinygradconv {tg.__version__}\n")
    assert f"NumPy {np.__version__}" in out
    assert re.search(r"^\s+numpy\s+available", out, re.MULTILINE)
    assert re.search(r"^\s+cupy\s+(available|not available)", out, re.MULTILINE)
    assert "BLAS:" in out
    assert re.search(rf"^\s+floatx\s+{config.floatx()}$", out, re.MULTILINE)
    assert re.search(rf"^\s+image_data_format\s+{config.image_data_format()}$", out, re.MULTILINE)


def test_info_json_matches_the_configuration(capsys):
    assert main(["info", "--json"]) == 0
    info = json.loads(capsys.readouterr().out)
    assert info["version"] == tg.__version__
    assert info["config"] == {"floatx": config.floatx(), "image_data_format": config.image_data_format(),
                              "backend": config.default_backend_name(), "epsilon": config.epsilon()}
    assert {name for name, state in info["backends"].items() if state == "available"} == \
        set(tg.available_backends())
    assert info["blas"] and all(b["name"] for b in info["blas"])
    assert info["config_file"]["path"] == str(config.config_path())


def test_info_reads_the_environment(tmp_path):
    result = _run("-m", "tinygradconv", "info", "--json",
                  env={"TINYGRADCONV_FLOATX": "float64", "TINYGRADCONV_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    assert info["config"]["floatx"] == "float64"
    assert info["environment"]["TINYGRADCONV_FLOATX"] == "float64"
    assert info["config_file"] == {"path": str(tmp_path / "config.json"), "exists": False}


def test_info_does_not_import_matplotlib_or_viz():
    code = ("import sys; from tinygradconv.__main__ import main; main(['info']); "
            "print(sorted(m for m in sys.modules if m.startswith(('matplotlib', 'tinygradconv.viz'))))")
    result = _run("-c", code)
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip().splitlines()[-1] == "[]"


# ------------------------------------------------------------------------------------------------ demo
def test_demo_fast_trains_and_writes_weights_and_plots(tmp_path, capsys):
    out = tmp_path / "demo"
    assert main(["demo", "--fast", "--quiet", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    mse, linear = map(float, re.search(r"Test MSE: (\S+) \(linear interpolation (\S+),", text).groups())
    assert mse < linear
    assert "Trained 10 epochs" in text
    assert sorted(p.name for p in out.iterdir()) == ["predictions.png", "training_curve.png",
                                                     "upsampler.weights.npz"]
    for name in ("predictions.png", "training_curve.png"):
        assert (out / name).read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    # The weights load into the same architecture and reproduce the reported test MSE.
    from tinygradconv.layers import Conv1D, Conv1DTranspose

    model = tg.models.Sequential([Conv1D(8, 7, padding="same", activation="tanh"),
                                  Conv1DTranspose(1, 16, strides=4, padding="same")])
    model.build((None, 32, 1))
    model.load_weights(str(out / "upsampler.weights.npz"))
    low, high = tg.datasets.resolution_pairs(512, steps=128, factor=4, noise=0.1, seed=0)
    reproduced = float(np.mean((model.predict(low[256:]) - high[256:]) ** 2))
    assert reproduced == pytest.approx(mse, rel=1e-3, abs=1e-5)


def test_demo_options_and_its_quality_check(tmp_path, capsys):
    # One epoch is not enough to beat linear interpolation: the demo says so and exits with status 1.
    out = tmp_path / "plain"
    assert main(["demo", "--epochs", "1", "--quiet", "--no-plots", "--seed", "3", "--out", str(out)]) == 1
    captured = capsys.readouterr()
    assert "Trained 1 epoch in" in captured.out
    assert "did not beat linear interpolation" in captured.err
    mse, linear = map(float, re.search(r"Test MSE: (\S+) \(linear interpolation (\S+),", captured.out).groups())
    # "-66% lower" before (a tester); the percentage is of the unrounded errors, those printed have 5 decimals
    higher = int(re.search(r"Test MSE: \S+ \(linear interpolation \S+, (\d+)% higher\)", captured.out).group(1))
    assert mse > linear and abs(higher - 100 * (mse / linear - 1)) < 1
    assert [p.name for p in out.iterdir()] == ["upsampler.weights.npz"]
    for bad in (["--epochs", "0"], ["--epochs", "x"], ["--seed", "-1"]):
        with pytest.raises(SystemExit) as exc:
            main(["demo", *bad])
        assert exc.value.code == 2


def test_demo_reports_a_backend_that_does_not_load_before_making_its_folder(tmp_path):
    """``TINYGRADCONV_BACKEND=cupy`` without a GPU: a traceback ending in a hint about Model.build's input shape,
    and an empty folder left behind (found by a tester); now one line and exit status 2, nothing made."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("TINYGRADCONV_")}
    env.update(TINYGRADCONV_BACKEND="cupy", TINYGRADCONV_HOME=str(tmp_path), PYTHONPATH=str(ROOT))
    out = tmp_path / "demo"
    result = subprocess.run([sys.executable, "-m", "tinygradconv", "demo", "--fast", "--quiet", "--out", str(out)],
                            env=env, capture_output=True, text=True, timeout=120, check=False)
    if result.returncode == 0:
        pytest.skip("CuPy loads here (a GPU): the backend is available")
    assert result.returncode == 2, result.stderr
    assert result.stderr.startswith("error: The 'cupy' backend needs CuPy") and "Traceback" not in result.stderr
    assert "Model.build" not in result.stderr and not out.exists()


def test_a_reader_that_goes_away_ends_the_command_quietly():
    """``info --json | head``: the closed pipe gave a ``BrokenPipeError`` traceback (found by a tester). Here the
    reader closes its end before reading anything."""
    read_end, write_end = os.pipe()
    os.close(read_end)
    env = dict(os.environ, PYTHONPATH=str(ROOT))
    result = subprocess.run([sys.executable, "-m", "tinygradconv", "info", "--json"], stdout=write_end,
                            stderr=subprocess.PIPE, text=True, env=env, timeout=120, check=False)
    os.close(write_end)
    assert result.returncode == 1 and result.stderr == "", result.stderr


def test_demo_reports_an_unwritable_folder(tmp_path, capsys):
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    assert main(["demo", "--fast", "--quiet", "--out", str(blocker / "sub")]) == 2
    err = capsys.readouterr().err
    assert "Invalid value for --out: the folder" in err and "that should hold 'sub' is a file, not a folder" in err


@pytest.mark.parametrize("command", [["demo", "--fast", "--quiet", "--no-plots"], ["figures"]])
def test_out_with_a_missing_parent_is_refused_as_tinygradconv_figures_is(command, tmp_path, capsys):
    """``demo --out /nonexist/dir`` made every missing parent (a mistyped path made folders anywhere), where the
    tutorials refuse such a TINYGRADCONV_FIGURES: one rule, only the last folder is made (a tester)."""
    missing = tmp_path / "typo" / "out"
    assert _status(main, [*command, "--out", str(missing)]) == 2
    err = capsys.readouterr().err
    assert (f"Invalid value for --out: the folder {str(tmp_path / 'typo')!r} that should hold 'out' does not exist; "
            f"create it first (mkdir -p {str(tmp_path / 'typo')!r})") in err, err
    assert not (tmp_path / "typo").exists()
    assert _status(main, [*command, "--out", " "]) == 2
    assert "Invalid value for --out: give a folder name, not ' '" in capsys.readouterr().err


def _status(function, argv):
    """The exit status of ``function(argv)``, returned or raised (argparse's errors exit)."""
    try:
        return function(argv)
    except SystemExit as exc:
        return exc.code


def test_connectivity_says_causal_padding_needs_kind_conv1d(tmp_path, capsys, monkeypatch):
    """``connectivity --padding causal`` failed with "Expected one of ('valid', 'same')" without saying that causal
    is conv1d's (Keras' Conv1DTranspose refuses it too, checked here) and that --kind defaults to conv1d_transpose."""
    keras = pytest.importorskip("keras")
    with pytest.raises(ValueError, match="causal"):
        keras.layers.Conv1DTranspose(1, 3, padding="causal")
    monkeypatch.chdir(tmp_path)
    for argv, words in ((["connectivity", "--padding", "causal"], "add --kind conv1d"),
                        (["connectivity", "--padding", "causal", "--gif", "-o", "a.gif"],
                         "--gif animates conv1d_transpose: choose --padding valid or same")):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert "--padding causal is a padding of conv1d only" in err and words in err, err
    assert not list(tmp_path.iterdir())
    assert main(["connectivity", "--padding", "causal", "--kind", "conv1d", "-o", "causal.png"]) == 0
    assert (tmp_path / "causal.png").read_bytes()[:4] == b"\x89PNG"


def test_demo_refuses_a_folder_it_cannot_write_before_training(tmp_path, capsys, monkeypatch):
    """A read-only folder gave a PermissionError traceback after the training (found by a tester). The folder is
    probed first; here the probe is made to fail as in a read-only folder (the tests may run as root, whom file
    permissions do not stop)."""
    import errno
    import tempfile

    def read_only(*args, **kwargs):
        raise PermissionError(errno.EACCES, "Permission denied")

    monkeypatch.setattr(tempfile, "TemporaryFile", read_only)
    assert main(["demo", "--fast", "--quiet", "--out", str(tmp_path)]) == 2
    captured = capsys.readouterr()
    assert f"cannot write into {str(tmp_path)!r}: Permission denied" in captured.err
    assert "Data:" not in captured.out and not list(tmp_path.iterdir())          # nothing trained, nothing written


@pytest.mark.parametrize("blocked, plots", [("upsampler.weights.npz", []), ("training_curve.png", []),
                                             ("predictions.png", ["--no-plots"])])
def test_demo_refuses_a_folder_in_a_file_s_place_before_training(tmp_path, capsys, blocked, plots):
    """Found by a tester: a folder named upsampler.weights.npz made the demo train, then die with an
    IsADirectoryError traceback. Now an error before training, exit status 2; with --no-plots the plots' names do
    not matter."""
    (tmp_path / blocked).mkdir()
    status = main(["demo", "--fast", "--quiet", "--epochs", "1", "--out", str(tmp_path), *plots])
    captured = capsys.readouterr()
    if plots:              # predictions.png is not written: nothing in the way (1 epoch may not beat the baseline)
        assert status in (0, 1) and "error" not in captured.err and (tmp_path / "upsampler.weights.npz").is_file()
        return
    assert status == 2
    assert f"cannot write {str(tmp_path / blocked)!r}: a folder of that name is in the way" in captured.err
    assert "Data:" not in captured.out and sorted(p.name for p in tmp_path.iterdir()) == [blocked]


def test_demo_reports_a_write_that_fails_after_training(tmp_path, capsys, monkeypatch):
    """A folder made while it trained (checked before, but it may change): still an error line, not a traceback."""
    import errno

    from tinygradconv import models

    def fails(self, filepath, *args, **kwargs):
        raise IsADirectoryError(errno.EISDIR, "Is a directory", filepath)

    monkeypatch.setattr(models.Model, "save_weights", fails)
    assert main(["demo", "--fast", "--quiet", "--epochs", "1", "--no-plots", "--out", str(tmp_path)]) == 2
    assert f"error: cannot write into {str(tmp_path)!r}: Is a directory" in capsys.readouterr().err


def test_demo_runs_as_a_module_with_a_progress_bar(tmp_path):
    result = _run("-m", "tinygradconv", "demo", "--no-plots", "--out", str(tmp_path), env={"TINYGRADCONV_FAST": "1"})
    assert result.returncode == 0, result.stderr
    assert "Epoch 10/10" in result.stdout + result.stderr    # the progress bar
    assert "Data: 256 training" in result.stdout            # TINYGRADCONV_FAST=1 selected the short run


# ------------------------------------------------------------------------------------------------ viz commands
def test_gif_needs_a_gif_path_and_the_weights_help_says_what_the_matrix_draws(tmp_path, capsys):
    """Found by a teacher: ``--gif -o y.png`` wrote one still frame as a PNG, silently; and ``--help`` said the
    matrix's default taps were ones, while it numbers them 1..k (its title says so)."""
    with pytest.raises(SystemExit) as exc:
        main(["connectivity", "--gif", "-o", str(tmp_path / "y.png")])
    assert exc.value.code == 2
    assert "--gif writes an animated GIF: give an output file ending in .gif" in capsys.readouterr().err
    assert not (tmp_path / "y.png").exists()
    with pytest.raises(SystemExit):
        main(["connectivity", "--help"])
    help_text = " ".join(capsys.readouterr().out.split())
    assert "--matrix numbers the taps 1, 2, ..., k" in help_text and "default: ones" not in help_text


def test_connectivity_refuses_an_empty_output_name_and_a_too_long_gif_says_drop_gif(tmp_path, capsys,
                                                                                      monkeypatch):
    """Found by a tester: ``-o ""`` wrote connectivity.png silently, and a GIF of 40 inputs suggested "draw
    plot_connectivity", a Python function, where the command's way is to drop --gif."""
    monkeypatch.chdir(tmp_path)
    for argv, message in ((["connectivity", "-o", ""], "-o/--output: give a file name, not ''"),
                          (["connectivity", "--gif", "--input-length", "40", "-o", "a.gif"],
                           "or drop --gif for a still drawing, which wraps long rows")):
        with pytest.raises(SystemExit) as exc:
            main(argv)
        assert exc.value.code == 2
        err = capsys.readouterr().err
        assert message in err and "plot_connectivity" not in err
    assert not list(tmp_path.iterdir())


def test_viz_commands_are_dispatched(tmp_path, capsys):
    path = tmp_path / "conn.png"
    assert main(["connectivity", "--kernel-size", "3", "--strides", "2", "--padding", "same",
                 "--input-length", "5", "-o", str(path)]) == 0
    assert path.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
    assert f"wrote {path}" in capsys.readouterr().out
    with pytest.raises(SystemExit) as exc:
        main(["connectivity", "--strides", "0"])
    assert exc.value.code == 2


def test_info_reports_an_unavailable_default_backend_and_ignores_empty_variables(tmp_path):
    """``TINYGRADCONV_BACKEND=cupy`` on a machine without CuPy made ``info`` (where one looks for "cupy: not
    available") end in a traceback, and empty variables were listed as if they set something (found by a
    re-tester)."""
    result = _run("-m", "tinygradconv", "info", "--json",
                  env={"TINYGRADCONV_BACKEND": "cupy", "TINYGRADCONV_FLOATX": "", "TINYGRADCONV_IMAGE_DATA_FORMAT": "",
                       "TINYGRADCONV_HOME": str(tmp_path)})
    assert result.returncode == 0, result.stderr
    info = json.loads(result.stdout)
    cupy_here = info["backends"]["cupy"] == "available"
    assert info["default_backend"] == "cupy" + ("" if cupy_here else " (not available here)")
    assert info["environment"] == {"TINYGRADCONV_BACKEND": "cupy", "TINYGRADCONV_HOME": str(tmp_path)}


def test_demo_validates_on_signals_held_out_of_training_and_tests_on_others(tmp_path, capsys):
    """The curve's validation is the last fifth of the training signals (Keras' validation_split), not the test set
    (a student found fit(..., validation_data=(x_test, y_test)) called "validation"): the last epoch's val_loss is the
    saved model's MSE on those held-out signals, computed here, and the Test MSE its MSE on the test signals."""
    from tinygradconv.layers import Conv1D, Conv1DTranspose

    out = tmp_path / "demo"
    assert main(["demo", "--fast", "--no-plots", "--out", str(out)]) == 0
    text = capsys.readouterr().out
    assert "Data: 256 training signals (204 fitted, the last 52 held out for validation" in text   # floor(256 * 0.8)
    val_loss = float(re.findall(r"val_loss: (\S+)", text)[-1].rstrip(","))
    test_mse = float(re.search(r"Test MSE: (\S+)", text).group(1))
    model = tg.models.Sequential([Conv1D(8, 7, padding="same", activation="tanh"),
                                  Conv1DTranspose(1, 16, strides=4, padding="same")])
    model.build((None, 32, 1))
    model.load_weights(str(out / "upsampler.weights.npz"))
    low, high = tg.datasets.resolution_pairs(512, steps=128, factor=4, noise=0.1, seed=0)
    held_out = float(np.mean((model.predict(low[204:256]) - high[204:256]) ** 2))
    tested = float(np.mean((model.predict(low[256:]) - high[256:]) ** 2))
    assert val_loss == pytest.approx(held_out, rel=2e-3, abs=1e-4)
    assert test_mse == pytest.approx(tested, rel=1e-3, abs=1e-5)
    assert abs(held_out - tested) > 1e-4 and val_loss != pytest.approx(tested, rel=2e-3, abs=1e-4)
