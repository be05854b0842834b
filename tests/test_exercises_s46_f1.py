"""A teacher's findings in the exercises' checkers (session 46): hints missing for the commonest slips of the
Conv1DTranspose length, a correct gather told to write a scatter, an input gradient from backward() passed, counts
in a float array passed where a length of 1.0 was refused, and ``tg.exercises`` not loaded on first use. Each hint is
tried with the wrong answer that triggers it and with a right answer that passes; expected lengths are worked by
hand in the comments."""
import subprocess
import sys

import pytest


def report_of(checker, answer):
    with pytest.raises(AssertionError) as info:
        checker(answer)
    return str(info.value)


# ------------------------------------------------------------------------------------------- tg.exercises, lazily
def test_tg_exercises_loads_on_first_use_as_tg_viz_does():
    code = ("import sys, tinygradconv as tg\n"
            "assert 'tinygradconv.exercises' not in sys.modules\n"
            "print(tg.exercises.check_conv1d.__name__, 'tinygradconv.exercises' in sys.modules)\n")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert done.stdout.split() == ["check_conv1d", "True"]

