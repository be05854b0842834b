"""Every ``>>>`` example in the package's docstrings runs and prints what it claims."""
import doctest
import importlib
import pkgutil
from pathlib import Path

import pytest

import tinygradconv

MODULES = sorted(m.name for m in pkgutil.walk_packages(tinygradconv.__path__, "tinygradconv.")
                 if not m.name.endswith("__main__"))
#: The benchmark scripts' helpers carry examples too (how a ratio, a table cell or a CPU kind is computed).
BENCHMARK_MODULES = sorted(f"benchmarks.{path.stem}" for path in
                           (Path(__file__).resolve().parents[1] / "benchmarks").glob("*.py"))


@pytest.mark.parametrize("name", MODULES + BENCHMARK_MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS | doctest.NORMALIZE_WHITESPACE, verbose=False)
    assert result.failed == 0, f"{result.failed} of {result.attempted} docstring examples failed in {name}"


def test_every_public_module_has_an_example():
    missing = []
    for name in MODULES:
        module = importlib.import_module(name)
        if name.rsplit(".", 1)[-1].startswith("_"):
            continue
        if (not doctest.DocTestFinder().find(module)
                or all(not t.examples for t in doctest.DocTestFinder().find(module))):
            missing.append(name)
    assert not missing, f"modules without any >>> example: {missing}"
