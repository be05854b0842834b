"""``make docs-check`` says how far it has got (a student saw nothing for many minutes on a busy machine), briefly:
one line when a stage starts and at most five more per stage, however many pages, each with the elapsed time."""
import importlib.util
import io
import itertools
from pathlib import Path

DOCS_CHECK = Path(__file__).resolve().parent.parent / "docs" / "_ext" / "docs_check.py"


def load():
    spec = importlib.util.spec_from_file_location("docs_check_progress", DOCS_CHECK)
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_progress_lines_are_few_in_order_and_timed():
    ticks = itertools.count(0, 7)                              # a clock that moves 7 s at every reading
    out = io.StringIO()
    progress = load().Progress(out=out, clock=lambda: next(ticks))
    assert progress.each("maths", range(23), lambda n: n * n) == [n * n for n in range(23)]
    lines = out.getvalue().splitlines()
    # 23 pages in fifths of ceil(23 / 5) = 5: after 5, 10, 15, 20 and 23, and the stage's first line
    assert [line.split("] ", 1)[1] for line in lines] == [
        "maths: 23 pages...", "maths: 5/23 done", "maths: 10/23 done", "maths: 15/23 done", "maths: 20/23 done",
        "maths: 23/23 done"]
    seconds = [int(line.split("[", 1)[1].split(" s]")[0]) for line in lines]
    assert seconds == sorted(seconds) and seconds[0] > 0 and all(line.startswith("docs-check: [") for line in lines)


def test_progress_of_many_pages_stays_short():
    out = io.StringIO()
    load().Progress(out=out).each("tutorials", range(1000), lambda n: n)
    assert len(out.getvalue().splitlines()) == 6
