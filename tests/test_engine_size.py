"""The engine core (tensor, autograd, backend, config) stays small enough to read in one sitting: under 800 lines of
code, counting neither blank lines, nor comments, nor docstrings."""
import ast
import io
import tokenize
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tinygradconv"
CORE = ("tensor.py", "autograd.py", "backend.py", "config.py")


def lines_of_code(source: str) -> int:
    """Lines holding a code token, minus the lines of module, class and function docstrings."""
    docstring_lines = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)) and node.body:
            first = node.body[0]
            if isinstance(first, ast.Expr) and isinstance(first.value, ast.Constant) and \
                    isinstance(first.value.value, str):
                docstring_lines.update(range(first.lineno, first.end_lineno + 1))
    skipped = {tokenize.COMMENT, tokenize.NL, tokenize.NEWLINE, tokenize.INDENT, tokenize.DEDENT, tokenize.ENDMARKER}
    code_lines = set()
    for token in tokenize.generate_tokens(io.StringIO(source).readline):
        if token.type not in skipped:
            code_lines.update(range(token.start[0], token.end[0] + 1))
    return len(code_lines - docstring_lines)


def test_the_counter_on_a_hand_counted_source():
    source = ('"""Module docstring."""\n# a comment\n\n'
              'def f(x):\n    """Doc\n    string."""\n'
              '    return (x +\n            1)  # two lines\n')
    assert lines_of_code(source) == 3  # def, return, and the continuation line


def test_engine_core_is_under_800_lines_of_code():
    counts = {name: lines_of_code((PACKAGE / name).read_text(encoding="utf-8")) for name in CORE}
    assert sum(counts.values()) < 800, counts
