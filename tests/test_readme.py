"""The README's Python examples run as written and print what their comments say."""
import re
from pathlib import Path

import numpy as np

README = Path(__file__).resolve().parents[1] / "README.md"


def _python_blocks():
    return re.findall(r"```python\n(.*?)```", README.read_text(), flags=re.DOTALL)


def test_readme_opens_with_the_two_commands():
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL).group(1)
    assert [line.split()[:2] for line in first_block.strip().splitlines()] == [["make", "test"], ["make", "demo"]]
    assert text.index("make test") < text.index("## A 30-second tour")


def test_readme_python_examples_run(capsys):
    blocks = _python_blocks()
    assert len(blocks) >= 3
    namespace = {}
    for block in blocks[:2]:  # the tour and the training example (the third switches the global backend)
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102  (running the README is the point)
    printed = capsys.readouterr().out.splitlines()
    assert printed[0] == "tensor([2., 4., 6.], dtype=float32)"
    assert printed[1:3] == ["(4, 21, 32)", "(3, 32, 128)"]
    val_loss = [float(v) for v in re.findall(r"[\d.e-]+", printed[3])]
    assert len(val_loss) == 5 and val_loss[-1] < val_loss[0]
    assert np.all(np.isfinite(val_loss))


def test_readme_says_where_the_demo_writes_and_its_loading_example_runs(tmp_path, monkeypatch, capsys):
    from tinygradconv.__main__ import main

    text = README.read_text()
    for name in ("upsampler.weights.npz", "training_curve.png", "predictions.png", "./tinygradconv-demo/"):
        assert name in text
    (block,) = [b for b in _python_blocks() if "load_weights" in b]
    monkeypatch.chdir(tmp_path)
    assert main(["demo", "--fast", "--quiet", "--no-plots"]) == 0      # writes ./tinygradconv-demo/
    capsys.readouterr()
    exec(compile(block, str(README), "exec"), {})  # noqa: S102  (running the README is the point)
    assert capsys.readouterr().out.strip() == "(4, 128, 1)"


def test_readme_pictures_are_what_make_figures_draws(tmp_path):
    """The committed pictures are the output of `make figures`, whose training curve is the demo's own run."""
    from PIL import Image

    from tinygradconv.viz import cli

    text = README.read_text()
    for name in cli.FIGURES:
        assert f"(docs/_static/{name})" in text
    fresh = cli.make_figures(tmp_path)
    for path in fresh:
        committed = README.parent / "docs" / "_static" / path.name
        with Image.open(path) as a, Image.open(committed) as b:
            assert a.size == b.size, path.name
            differ = np.any(np.asarray(a.convert("RGB"), dtype=int) != np.asarray(b.convert("RGB"), dtype=int), axis=2)
        assert differ.mean() < 0.01, f"{path.name}: the committed picture is not what make figures draws"


def test_readme_backend_example_runs():
    import tinygradconv as tg

    block = next(b for b in _python_blocks() if "set_backend" in b)
    namespace = {"tg": tg}
    try:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102  (running the README is the point)
        assert namespace["t"].backend.name == "numpy"
        assert tg.get_backend().name == "array_api_strict"
    finally:
        tg.set_backend("numpy")


def _makefile_extras(target_stamp):
    """The extras that the Makefile's rule for ``target_stamp`` installs (``-e ".[a,b]"``), read from the Makefile."""
    makefile = (README.parent / "Makefile").read_text()
    recipe = re.search(rf"^\$\({target_stamp}\): .*?\n((?:\t.*\n)+)", makefile, re.MULTILINE).group(1)
    return set(re.search(r'-e "\.\[([^\]]*)\]"', recipe).group(1).split(","))


def test_readme_says_what_each_make_target_installs_as_the_makefile_does():
    """The README said `make demo` installs "only the package and matplotlib" and not array-api-strict, where the
    Makefile installs the viz and exercises extras (a tester). Its table of extras is checked against the Makefile,
    and pyproject.toml's exercises extra to hold array-api-strict."""
    text = README.read_text()
    first_block = re.search(r"```bash\n(.*?)```", text, flags=re.DOTALL).group(1).splitlines()
    rows = dict(re.findall(r"^\| `make (test|demo)` \| ([^|]*) \|", text, re.MULTILINE))
    for target, stamp in (("test", "STAMP"), ("demo", "DEMO_STAMP")):
        assert set(re.findall(r"`([\w-]+)`", rows[target])) == _makefile_extras(stamp), target
        for extra in _makefile_extras(stamp):
            assert extra in first_block[0 if target == "test" else 1], (target, extra)
    pyproject = (README.parent / "pyproject.toml").read_text()
    assert '"array-api-strict' in re.search(r"^exercises = \[(.*)\]$", pyproject, re.MULTILINE).group(1)
    assert "make demo` does not" not in text and "only the package and matplotlib" not in text
