"""Every example runs in its short version (``--fast``, as the docs build runs them) and reaches its stated quality.

Each script is run in a fresh process, as a user would run it, and what it prints is checked.
"""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = ROOT / "examples"


def run_example(name, *extra, env=None):
    environment = dict(os.environ, MPLBACKEND="Agg", PYTHONPATH=str(ROOT))
    environment.update(env or {})
    result = subprocess.run([sys.executable, str(EXAMPLES / name), *extra], capture_output=True, text=True, check=False,
                            env=environment, cwd=ROOT, timeout=120)
    assert result.returncode == 0, f"{name} failed:\n{result.stdout}\n{result.stderr}"
    return result.stdout


def test_every_example_is_tested():
    scripts = {p.name for p in EXAMPLES.glob("*.py") if not p.name.startswith("_")}
    assert scripts == {"seed_example.py", "learn_hidden_kernel.py", "signal_upsampler.py",
                       "denoising_autoencoder.py", "unet_1d.py"}


@pytest.mark.parametrize("path", sorted(EXAMPLES.glob("*.py")), ids=lambda p: p.name)
def test_examples_are_gallery_scripts(path):
    text = path.read_text()
    lines = text.lstrip().splitlines()
    assert lines[0] == '"""' and lines[2] and set(lines[2]) == {"="}, "a docstring with an underlined title"
    assert len(lines[2]) == len(lines[1]), "the title's underline has the title's length"
    assert "# %%" in text


def test_seed_example():
    out = run_example("seed_example.py", "--fast")
    assert "input:  (4, 10, 128)" in out
    assert "kernel: (3, 32, 128)" in out
    assert "bias:   (32,)" in out
    assert "output: (4, 21, 32)" in out
    error = float(re.search(r"max \|layer - loops\| = (\S+)", out).group(1))
    assert error <= 1e-4


def test_learn_hidden_kernel(tmp_path):
    out = run_example("learn_hidden_kernel.py", "--out", str(tmp_path), env={"TINYGRADCONV_FAST": "1"})
    error = float(re.search(r"max kernel error: (\S+) \(tolerance (\S+)\)", out).group(1))
    tolerance = float(re.search(r"tolerance (\S+)\)", out).group(1))
    assert tolerance == 1e-2 and error <= tolerance   # the environment variable selected the short run
    assert (tmp_path / "learn_hidden_kernel.png").stat().st_size > 0
    assert "OK:" in out


def test_signal_upsampler():
    out = run_example("signal_upsampler.py", "--fast")
    found = re.findall(r"factor (\d): .*test MSE model (\S+), linear interpolation (\S+) ", out)
    assert [f for f, _, _ in found] == ["2", "4"]
    for _, model, linear in found:
        assert float(model) <= 0.85 * float(linear)      # at least 15% lower, as the fast run states
    assert "OK:" in out


def test_denoising_autoencoder():
    out = run_example("denoising_autoencoder.py", "--fast")
    noisy, denoised = map(float, re.search(r"noisy input (\S+), denoised (\S+) ", out).groups())
    assert denoised <= 0.4 * noisy
    max_norm, limit = map(float, re.search(r"max kernel norm: (\S+) \(MaxNorm limit (\S+)\)", out).groups())
    assert max_norm <= limit * (1 + 1e-5)
    assert "OK:" in out


def test_unet_1d(tmp_path):
    out = run_example("unet_1d.py", "--out", str(tmp_path), env={"TINYGRADCONV_FAST": "1"})
    assert "skip_64 (Concatenate)" in out and "(None, 64, 32)" in out     # the summary shows the skip connection
    baseline, unet = map(float, re.search(r"moving average \(window \d+\) (\S+), U-Net (\S+) ", out).groups())
    required = float(re.search(r"required (\d+)%", out).group(1)) / 100
    assert required == 0.20 and unet <= (1 - required) * baseline   # the environment variable selected the short run
    assert (tmp_path / "unet_1d.png").stat().st_size > 0
    assert "OK:" in out
