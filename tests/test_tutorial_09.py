"""Tutorial 09 (coming from Keras and from PyTorch) runs as a script in its short version, with Keras, PyTorch and
h5py and without them (as after `make demo`, whose environment has none of the three), and prints what its prose
claims. The numbers are checked against references computed here: the path counts by 0/1 connectivity matrices
built from the layers' definitions, the losses by a PyTorch training loop written here, the weight count by the
layers' shapes. (tests/test_tutorials.py also runs it as a notebook, with every other tutorial.)"""
import os
import re
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
from PIL import Image

ROOT = Path(__file__).resolve().parent.parent
TUTORIAL = ROOT / "tutorials" / "09_from_keras_and_pytorch.py"
OPTIONAL = ("torch", "keras", "h5py")


def run(tmp_path, blocked=()):
    """Run the short version in an empty folder, with stand-ins that make ``import NAME`` fail for ``blocked``;
    return what it printed and its figures' folder."""
    work, figures, stand_ins = tmp_path / "work", tmp_path / "figures", tmp_path / "blocked"
    work.mkdir()
    for name in blocked:
        (stand_ins / name).mkdir(parents=True)
        (stand_ins / name / "__init__.py").write_text(f"raise ImportError('{name} is not installed (stand-in)')\n")
    env = {**os.environ, "TINYGRADCONV_FAST": "1", "MPLBACKEND": "Agg", "TINYGRADCONV_FIGURES": str(figures),
           "PYTHONPATH": os.pathsep.join([str(stand_ins), str(ROOT)])}
    env.pop("KERAS_BACKEND", None)                      # the tutorial picks torch itself when it is installed
    proc = subprocess.run([sys.executable, str(TUTORIAL)], cwd=work, env=env, capture_output=True, text=True,
                          timeout=600, check=False)
    assert proc.returncode == 0, proc.stderr[-3000:]
    assert not list(work.iterdir()), "the tutorial wrote into its working folder"
    return proc.stdout, figures


def number(out, pattern):
    match = re.search(pattern, out)
    assert match, f"{pattern!r} not in the output:\n{out}"
    return float(match.group(1))


def path_counts():
    """Paths from the 16 input steps to each of the 32 output steps: Conv1D(k=3, "same") joins output n to inputs
    n-1..n+1; Conv1DTranspose(k=4, s=2, "same") sends input j to full-output steps 2j..2j+3, cropped by 1 on the
    left (Keras' "same" for k=4, s=2: 2 steps cropped, 1 on each side); Dense joins each step to itself."""
    conv = np.array([[1.0 if abs(n - j) <= 1 else 0.0 for j in range(16)] for n in range(16)])
    transposed = np.zeros((32, 16))
    for j in range(16):
        for tap in range(4):
            n = 2 * j + tap - 1
            if 0 <= n < 32:
                transposed[n, j] = 1.0
    return (transposed @ conv).sum(axis=1).astype(int).tolist()


def torch_losses(epochs=5):
    """The tutorial's training in PyTorch, written here: the first and last epoch's mean loss of SGD(0.05, momentum
    0.9) on batches of 32, from the weights tinygradconv draws with seed 0 (read through get_weights only)."""
    torch = pytest.importorskip("torch")
    import tinygradconv as tg
    from tinygradconv import layers, models

    tg.random.set_seed(0)
    model = models.Sequential([layers.Input((16, 1)), layers.Conv1D(8, 3, padding="same", activation="relu"),
                               layers.Conv1DTranspose(8, 4, strides=2, padding="same", activation="relu"),
                               layers.Dense(1)])
    k1, b1, k2, b2, k3, b3 = (torch.tensor(np.asarray(w), requires_grad=True) for w in model.get_weights())
    low, high = (torch.from_numpy(a) for a in tg.datasets.resolution_pairs(128, steps=32, factor=2, seed=0))
    params, velocity = [k1, b1, k2, b2, k3, b3], [None] * 6
    means = []
    for _ in range(epochs):
        batch_losses = []
        for start in range(0, 128, 32):
            x, y = low[start:start + 32].permute(0, 2, 1), high[start:start + 32]
            h = torch.relu(torch.nn.functional.conv1d(x, k1.permute(2, 1, 0), b1, padding=1))
            h = torch.relu(torch.nn.functional.conv_transpose1d(h, k2.permute(2, 1, 0), b2, stride=2, padding=1))
            loss = ((h.permute(0, 2, 1) @ k3 + b3 - y) ** 2).mean()
            for p in params:
                p.grad = None
            loss.backward()
            with torch.no_grad():                 # PyTorch's SGD: v <- 0.9 v + g (v = g at first), p <- p - lr v
                for i, p in enumerate(params):
                    velocity[i] = p.grad.clone() if velocity[i] is None else 0.9 * velocity[i] + p.grad
                    p -= 0.05 * velocity[i]
            batch_losses.append(loss.item())
        means.append(float(np.mean(batch_losses)))
    return means[0], means[-1]


def test_tutorial_09_with_keras_and_pytorch(tmp_path):
    for name in OPTIONAL:
        pytest.importorskip(name)
    out, figures = run(tmp_path)
    assert "is not available" not in out
    assert re.search(r"keras \S+ on torch", out)                # picked without KERAS_BACKEND set
    # 3*1*8 + 8 (Conv1D) + 4*8*8 + 8 (Conv1DTranspose) + 8*1 + 1 (Dense)
    assert "Total params: 305" in out and "functional: 305 weights" in out
    assert number(out, r"max \|functional - Sequential\| = (\S+)") == 0.0
    first, last = torch_losses()
    assert number(out, r"fit: 5 epochs of 4 batches, loss (\S+) ->") == pytest.approx(first, abs=1e-4)
    assert number(out, r"fit: 5 epochs of 4 batches, loss \S+ -> (\S+)") == pytest.approx(last, abs=1e-4)
    assert last < first
    assert number(out, r"max \|loop - fit\| of the weights = (\S+)") == 0.0    # the prose: "to the last bit"
    for who in ("Keras", "PyTorch"):
        line = re.search(rf"^{who} vs this package: (.*)$", out, re.MULTILINE).group(1)
        gaps = [float(g) for g in re.findall(r"of the [^,]+? (\d[^,\s]*)", line)]
        assert len(gaps) == 3 and max(gaps) <= 1e-5, line
    assert out.count("within 1e-05: True") == 3 and "within 1e-05: False" not in out
    assert number(out, r"the largest weight: (\S+)") < 1.0                     # the prose's "no weight ... 1"
    assert number(out, r"before training, max \|PyTorch - this package\| of the predictions: (\S+);") <= 1e-6
    assert number(out, r"read as \(out, in, k\): (\S+)") > 1e-2                 # the mistake, far outside
    assert number(out, r"saved upsampler\.keras; reloaded here: .* = (\S+), compiled: True") == 0.0
    assert number(out, r"reloaded in Keras: Sequential of 305 weights, .* = (\S+)") <= 1e-5
    assert f"paths reaching each output step: {path_counts()}" in out
    assert sorted(p.name for p in figures.iterdir()) == ["09_model_connectivity.png"]
    with Image.open(figures / "09_model_connectivity.png") as image:
        assert image.format == "PNG" and min(image.size) > 50
    # The notes that say what the comparisons print, for pages built without Keras and PyTorch (a tester found a
    # docs page of skip lines under prose promising a comparison): their short-run figures are this run's, to
    # within a factor of 10 (another BLAS sums in another order).
    prose = " ".join(line[2:] for line in TUTORIAL.read_text().splitlines() if line.startswith("# "))
    keras_note, torch_note = re.findall(r"\*\*What it prints\.\*\*(.*?)run the notebook again", prose)
    # what holds on any machine comes first, the bound the cell checks; exact figures name the machine they are from
    assert "`within 1e-05: True`" in keras_note and "`within 1e-05: True`" in torch_note
    assert "machine (" in keras_note and "same machine as above" in torch_note
    short = {"Keras": re.search(r"5 epochs.*?at most (\S+), the predictions by (\S+) and the losses by (\S+),",
                                keras_note),
             "PyTorch": re.search(r"5 epochs, the weights by at most (\S+), the predictions by (\S+)", torch_note)}
    for who, match in short.items():
        line = re.search(rf"^{who} vs this package: (.*)$", out, re.MULTILINE).group(1)
        printed = [float(g) for g in re.findall(r"of the [^,]+? (\d[^,\s]*)", line)]
        for said, got in zip((float(g) for g in match.groups()), printed):
            assert got <= 10 * said and said <= 10 * max(got, 1e-9), (who, said, line)


def test_tutorial_09_without_keras_pytorch_or_h5py(tmp_path):
    """As after `make demo`: each missing package is named once in Setup, each skipped part says so in one line,
    and the model is saved as .npz (the .keras format needs h5py) and loaded back."""
    out, figures = run(tmp_path, blocked=OPTIONAL)
    for name in OPTIONAL:
        lines = [line for line in out.splitlines() if line.startswith(f"{name} is not available")]
        assert len(lines) == 1 and "stand-in" in lines[0], out
    assert "tinygradconv 0.1.0 | torch - | keras -" in out
    # each skip line says how to get the part it skips (a tester found a docs page of bare skip lines)
    assert "Keras is not available: skipping the comparison with Keras (pip install torch keras, then" in out
    assert "PyTorch is not available: skipping the comparison with PyTorch (pip install torch, then" in out
    assert "Keras is not available: skipping the loading in Keras (pip install torch keras)" in out
    assert "vs this package" not in out and "within 1e-05" not in out
    assert number(out, r"max \|loop - fit\| of the weights = (\S+)") == 0.0
    assert number(out, r"saved upsampler\.tgc\.npz; reloaded here: .* = (\S+), compiled: True") == 0.0
    assert f"paths reaching each output step: {path_counts()}" in out
    assert sorted(p.name for p in figures.iterdir()) == ["09_model_connectivity.png"]


def test_tutorial_09_with_keras_but_without_h5py(tmp_path):
    """Keras there, h5py not: the .npz file is not offered to Keras, and the line says why."""
    for name in ("torch", "keras"):
        pytest.importorskip(name)
    out, _ = run(tmp_path, blocked=("h5py",))
    assert "saved upsampler.tgc.npz" in out
    assert "h5py is not available: Keras cannot read the .npz file, skipping the loading in Keras" in out
    assert out.count("within 1e-05: True") == 2
