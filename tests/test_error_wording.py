"""One wording for the package's argument errors, as the developers' guide asks: a ``TypeError`` about an argument
begins "Invalid type for argument", a ``ValueError`` "Invalid value for argument" (45 of the ``TypeError``s said
"Invalid value", 19 "Invalid type", before 2026-12-06). Read from the source, so that a new message is held to it
too; the messages' content is tested beside each check."""
import re
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1] / "tinygradconv"
RAISE = re.compile(r"raise (TypeError|ValueError)\(\s*f?[\"'](Invalid (?:type|value) for argument)")


def test_argument_errors_name_type_errors_and_value_errors_apart():
    found, wrong = 0, []
    for path in sorted(PACKAGE.rglob("*.py")):
        for match in RAISE.finditer(path.read_text()):
            found += 1
            expected = "Invalid type for argument" if match[1] == "TypeError" else "Invalid value for argument"
            if match[2] != expected:
                wrong.append(f"{path.relative_to(PACKAGE)}: {match[1]} says {match[2]!r}")
    assert found > 100                       # the pattern still finds the messages
    assert not wrong, "\n".join(wrong)
