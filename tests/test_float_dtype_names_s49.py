"""The floating dtypes' names are written once, in ``config._FLOAT_TYPES``; the modules that test a dtype against
them import that tuple instead of a copy of it (a copy could drift: a fourth float type added in one place only)."""
import ast
import importlib
from pathlib import Path

from tinygradconv import config, losses, validation
from tinygradconv.optimizers import loss_scale

tensor = importlib.import_module("tinygradconv.tensor")    # (tinygradconv.tensor is also the function)

PACKAGE = Path(__file__).resolve().parents[1] / "tinygradconv"
FLOAT_NAMES = ("float16", "float32", "float64")
# Files with a copy still, other builders' this round (they follow separately); any other copy fails the test.
NOT_YET = {"checks.py", "keras_format.py", "torch_methods.py", "layers/normalization.py", "layers/torch_interop.py"}


def float_name_tuples(path):
    """The line of each tuple literal that is exactly ("float16", "float32", "float64") in the file."""
    found = []
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Tuple) and all(isinstance(e, ast.Constant) for e in node.elts) and \
                tuple(e.value for e in node.elts) == FLOAT_NAMES:
            found.append(node.lineno)
    return found


def test_config_holds_the_names_in_order():
    assert config._FLOAT_TYPES == FLOAT_NAMES


def test_the_modules_use_configs_tuple_itself():
    assert tensor._FLOAT_KINDS is config._FLOAT_TYPES
    assert validation.FLOAT_DTYPES is config._FLOAT_TYPES      # the public name other modules import stays
    assert losses._FLOAT_TYPES is config._FLOAT_TYPES
    assert loss_scale._FLOAT_TYPES is config._FLOAT_TYPES


def test_no_module_but_config_writes_the_tuple_out():
    copies = {}
    for path in sorted(PACKAGE.rglob("*.py")):
        lines = float_name_tuples(path)
        if lines and path.relative_to(PACKAGE).as_posix() not in {"config.py", *NOT_YET}:
            copies[str(path.relative_to(PACKAGE))] = lines
    assert copies == {}
    assert float_name_tuples(PACKAGE / "config.py")       # the one definition (the scan does see a real one)
