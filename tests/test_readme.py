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


def test_readme_backend_example_runs():
    import tinygradconv as tg

    block = _python_blocks()[2]
    namespace = {"tg": tg}
    try:
        exec(compile(block, str(README), "exec"), namespace)  # noqa: S102  (running the README is the point)
        assert namespace["t"].backend.name == "numpy"
        assert tg.get_backend().name == "array_api_strict"
    finally:
        tg.set_backend("numpy")
