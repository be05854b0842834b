"""The checkers' time limit: an answer that never returns gets a report naming its line, within the limit, and the
caller's own SIGALRM handler and timer are left as they were. The reference is the clock and the student's source
line, not the checker's own output."""
import signal
import threading
import time

import numpy as np
import pytest

from tinygradconv.exercises import check_conv1d, check_custom_op, reports

pytestmark = pytest.mark.skipif(not hasattr(signal, "SIGALRM"), reason="no SIGALRM on this platform: no time limit")


def endless_conv1d(x, w, strides):
    count = 0
    while count < 10:                 # the counter is never increased
        pass
    return x


def endless_but_guarded(x, w, strides):
    while True:
        try:
            time.sleep(0.01)
        except Exception:  # noqa: BLE001, S110 - a student's catch-all cannot swallow the stop
            pass


def correct_conv1d(x, w, strides):
    k = len(w)
    n_out = (len(x) - k) // strides + 1
    return np.array([sum(x[n * strides + t] * w[t] for t in range(k)) for n in range(n_out)])


@pytest.fixture
def short_limit(monkeypatch):
    monkeypatch.setattr(reports, "TIME_LIMIT_S", 0.3)


@pytest.mark.parametrize("answer, lines", [(endless_conv1d, ("pass", "the counter is never increased")),
                                           (endless_but_guarded, ("time.sleep(0.01)", "try:", "pass", "while True:"))])
def test_an_endless_answer_is_stopped_with_its_line(short_limit, answer, lines):
    start = time.monotonic()
    with pytest.raises(AssertionError) as report:
        check_conv1d(answer)
    assert time.monotonic() - start < 5
    text = str(report.value)
    assert text.startswith("check_conv1d: stopped after 0.3 s: your function had not returned")
    running = text.splitlines()[-2]
    assert running.startswith("  it was running line ") and running.endswith(lines), running
    assert signal.getitimer(signal.ITIMER_REAL) == (0.0, 0.0)


def test_a_correct_answer_passes_and_the_callers_handler_and_timer_are_kept(short_limit):
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(signum))
    try:
        signal.setitimer(signal.ITIMER_REAL, 100.0)
        assert check_conv1d(correct_conv1d) is True
        left, _ = signal.getitimer(signal.ITIMER_REAL)
        assert 90 < left < 100
        signal.setitimer(signal.ITIMER_REAL, 0.01)                           # the caller's handler still answers
        time.sleep(0.2)
        assert fired == [signal.SIGALRM]
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)


def test_no_limit_off_the_main_thread_and_none_turns_it_off(monkeypatch):
    results = []
    thread = threading.Thread(target=lambda: results.append(check_conv1d(correct_conv1d)))
    thread.start()
    thread.join()
    assert results == [True]
    monkeypatch.setattr(reports, "TIME_LIMIT_S", None)
    assert check_conv1d(correct_conv1d) is True


def test_the_limit_covers_custom_ops_backward(short_limit):
    from test_exercises import SiluWithoutGrad

    class EndlessBackward(SiluWithoutGrad):     # SiLU's forward, and a backward that never returns
        @staticmethod
        def backward(ctx, grad):
            while True:
                pass

    with pytest.raises(AssertionError, match="check_custom_op: stopped after 0.3 s"):
        check_custom_op(EndlessBackward)


def test_a_callers_nearer_deadline_is_kept():
    """Found by a reviewer: a caller's timer due in 0.2 s (pytest-timeout's, say) was replaced by the checker's 30 s
    and fired only after the checker. Now the endless answer is stopped at the caller's deadline, and the caller's
    own handler still runs right after."""
    fired = []
    previous = signal.signal(signal.SIGALRM, lambda signum, frame: fired.append(time.monotonic()))
    try:
        start = time.monotonic()
        signal.setitimer(signal.ITIMER_REAL, 0.2)
        cut_short = r"(?s)stopped after 0\.2 s: .*\(The limit is the caller's own timer\.\)"
        with pytest.raises(AssertionError, match=cut_short):
            check_conv1d(endless_conv1d)
        time.sleep(0.05)
        assert len(fired) == 1 and fired[0] - start < 2
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, previous)
