"""What every benchmark script shares: the environment of its worker processes, whether torch is there, and the
paired comparison of the two frameworks.

Thread pools must be sized before NumPy or torch is imported, so each measurement runs in a fresh subprocess whose
environment :func:`worker_env` prepares. This module imports neither NumPy nor torch, so a script can use it before
pinning its own threads. :func:`pin_cpus` pins a worker process to as many CPUs as it has threads.

A comparison keeps one worker process per framework alive (:class:`LineWorker`) and asks the two in turn, one
measurement each, so that the two halves of a pair are timed one right after the other at nearly the same speed of
the machine; :func:`paired_ratio` is the median of the per-pair ratios.

>>> worker_env(2)["OPENBLAS_NUM_THREADS"]
'2'
"""
from __future__ import annotations

import json
import math
import os
import statistics
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
THREAD_VARIABLES = ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS", "NUMEXPR_NUM_THREADS",
                    "VECLIB_MAXIMUM_THREADS")
#: Set on some machines to force a generic OpenBLAS kernel; removed (both together) for benchmarking only.
OPENBLAS_OVERRIDES = ("OPENBLAS_CORETYPE", "OPENBLAS_L2_SIZE")


def worker_env(threads):
    """The environment of a benchmark subprocess: every thread pool fixed to ``threads``, OpenBLAS overrides removed,
    and the repository root importable (``from benchmarks import ...``)."""
    env = dict(os.environ)
    env.update({name: str(threads) for name in THREAD_VARIABLES})
    for name in OPENBLAS_OVERRIDES:
        env.pop(name, None)
    env["PYTHONPATH"] = ROOT + (os.pathsep + env["PYTHONPATH"] if env.get("PYTHONPATH") else "")
    return env


def pin_cpus(threads):
    """A ``preexec_fn`` that pins a benchmark subprocess to ``threads`` CPUs: the first ``threads`` of the CPUs this
    process may use. ``None`` (no pinning) when it may use no more than ``threads`` CPUs or the platform cannot pin.

    Every worker with the same thread count gets the same CPUs, so both frameworks run on the same cores. On a 2-vCPU
    KVM guest (2026-12-01), a lone unpinned thread ran the same products 1.4-1.9x slower than a pinned one in some
    runs (the guest moved it between its two vCPUs), which alone flipped 1-thread ratios by tens of percent.

    >>> pin_cpus(10**6) is None
    True
    """
    if not hasattr(os, "sched_getaffinity") or not hasattr(os, "sched_setaffinity"):
        return None
    cpus = sorted(os.sched_getaffinity(0))
    if threads >= len(cpus):
        return None
    chosen = set(cpus[:threads])

    def pin():
        os.sched_setaffinity(0, chosen)

    return pin


def run_worker(script, args, threads, extra_env=None):
    """Run ``script`` with ``args`` (its ``--worker ...`` options) in a fresh process with :func:`worker_env`
    (plus ``extra_env``), pinned by :func:`pin_cpus`; return what it printed, read as JSON. A worker that fails
    raises ``RuntimeError`` with its standard error."""
    env = worker_env(threads)
    env.update(extra_env or {})
    out = subprocess.run([sys.executable, script, *args], env=env, capture_output=True, text=True, check=False,
                         preexec_fn=pin_cpus(threads))
    if out.returncode:
        raise RuntimeError(f"benchmark worker {os.path.basename(script)} {' '.join(args)} failed:\n{out.stderr}")
    return json.loads(out.stdout)


def torch_version(env=None):
    """PyTorch's version as seen by a subprocess with ``env``, or None when torch is not installed there."""
    probe = "import importlib.util as u; print(u.find_spec('torch') is not None)"
    found = subprocess.run([sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True)
    if found.stdout.strip() != "True":
        return None
    out = subprocess.run([sys.executable, "-c", "import torch; print(torch.__version__)"], env=env,
                         capture_output=True, text=True, check=True)
    return out.stdout.strip()


#: Seconds a worker with several threads waits before it answers: OpenBLAS's worker threads keep polling for work for
#: about 0.1 s after a product, and that slowed the other framework's next timed calls by up to 1.6x (2026-12-01).
SETTLE_S = 0.2


class LineWorker:
    """A benchmark worker subprocess of one framework, driven line by line: it answers each line it reads on stdin
    with one JSON line on stdout, and its first line (before any is asked) is ``{"ready": name}``, once it has
    loaded its library; ``end`` asks for its final answer and stops it.

    ``command`` is its command line; it runs with :func:`worker_env` and :func:`pin_cpus` for ``threads``. Its
    stderr goes to a temporary file, read when it fails (a pipe that nobody reads would block a worker that writes
    more than the pipe holds, warnings for instance, and the driver would wait for its answer forever).
    """

    def __init__(self, name, command, threads):
        self.name = name
        self.stderr = tempfile.TemporaryFile(mode="w+")   # noqa: SIM115 (open while the worker lives; close())
        self.process = subprocess.Popen(
            command, env=worker_env(threads), stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.stderr,
            text=True, preexec_fn=pin_cpus(threads))    # noqa: PLW1509 (the driver runs no other threads)

    def wait_ready(self):
        """Wait until the worker has loaded its library (its first answer)."""
        answer = self.ask(None)
        if answer != {"ready": self.name}:
            self.process.kill()
            raise RuntimeError(f"benchmark worker {self.name} answered {answer!r} instead of being ready")

    def ask(self, line):
        """Send one line (``None``: nothing); return the JSON answer (RuntimeError with the worker's stderr if it
        died)."""
        try:
            if line is not None:
                self.process.stdin.write(line + "\n")
                self.process.stdin.flush()
            answer = self.process.stdout.readline()
        except BrokenPipeError:
            answer = ""
        if not answer:
            self.process.kill()
            self.process.wait()
            self.stderr.seek(0)
            when = "while starting" if line is None else f"on {line!r}"
            raise RuntimeError(f"benchmark worker {self.name} failed {when}:\n{self.stderr.read()}")
        return json.loads(answer)

    def close(self):
        """End the session: the worker's final answer."""
        final = self.ask("end")
        self.process.wait()
        self.stderr.close()
        return final


def serve_batches(framework, threads, time_batch, final=dict):
    """The worker side of :class:`LineWorker` for the benchmarks timed batch by batch (training step, engine): answer
    ``{"ready": framework}``, then each line on stdin with one JSON line: ``"batch"``: ``time_batch()``; ``"end"``:
    ``final()``, then return. With several threads wait :data:`SETTLE_S` before each answer ("ready" and the
    batches), so that this process's idle BLAS/OpenMP threads have stopped polling when the other framework times.

    Raises:
        ValueError: a request other than ``batch`` or ``end`` (the driver sees the worker die, with this message).
    """
    if threads > 1:
        time.sleep(SETTLE_S)
    print(json.dumps({"ready": framework}), flush=True)
    for line in sys.stdin:
        request = line.strip()
        if request == "end":
            break
        if request != "batch":
            raise ValueError(f"Invalid request {request!r}. Expected 'batch' or 'end'.")
        answer = time_batch()
        if threads > 1:
            time.sleep(SETTLE_S)
        print(json.dumps(answer), flush=True)
    print(json.dumps(final()), flush=True)


def time_in_pairs(start_worker, frameworks, rounds, runs):
    """The driver side of :func:`serve_batches`: in each of ``rounds`` rounds, start one worker per framework
    (``start_worker(name)``, a :class:`LineWorker`), wait until all are ready, then ask them in turn for ``runs``
    batches each, torch first in the pairs of :func:`torch_first_in_slot` (slots counted over all rounds), and close
    them; workers still running after an error are killed.

    Returns ``(answers, torch_first, finals, other_cpus)``: each framework's batch answers in pair order, whether
    torch went first in each pair, each framework's final answer of the last round, and per round the CPUs that
    other processes kept busy while its batches were timed (:class:`OtherLoad`).
    """
    answers = {name: [] for name in frameworks}
    first, finals, other_cpus = [], {}, []
    for round_ in range(rounds):
        workers = {name: start_worker(name) for name in frameworks}
        try:
            for worker in workers.values():
                worker.wait_ready()
            load = OtherLoad(worker.process for worker in workers.values())
            for run in range(runs):
                torch_first = "torch" in workers and torch_first_in_slot(round_ * runs + run)
                first.append(torch_first)
                for name in frameworks[::-1] if torch_first else frameworks:
                    answers[name].append(workers[name].ask("batch"))
            other_cpus.append(load.cpus())
            for name, worker in workers.items():
                finals[name] = worker.close()
        finally:
            kill_running(workers.values())
    return answers, first, finals, other_cpus


class OtherLoad:
    """How many CPUs other processes kept busy while the workers ``processes`` were being timed.

    Between its creation and :meth:`cpus`, the machine's busy CPU time (``/proc/stat``: user, nice, system, irq,
    softirq and steal time of all CPUs) less the CPU time of this process, of its finished children and of the
    workers (``/proc/<pid>/stat``), over the wall-clock time between the two: about 0 on an otherwise idle machine
    (the system's own housekeeping counts, a few hundredths), near 1 or more when another program runs on the same
    cores, such as a test run. That was how a training step with 2 threads once read 0.01x: torch's OpenMP threads
    waited for a CPU that another process held, 71-92 ms per step instead of about 1 (2026-12-01). Slowness of the
    host under a virtual machine is not seen here (it shows as steal time only where the host reports it).

    The clock tick (``SC_CLK_TCK``, usually 10 ms) limits the resolution, so a window should last seconds. Where
    ``/proc`` cannot be read (not Linux) :meth:`cpus` is ``None``.
    """

    def __init__(self, processes=()):
        self.pids = [p.pid for p in processes if isinstance(getattr(p, "pid", None), int)]
        self.begin = self._read()

    def _read(self):
        try:
            ours = sum(_process_ticks(pid) for pid in ["self", *self.pids])
            return _machine_busy_ticks(), ours, time.perf_counter()
        except (OSError, ValueError, IndexError):
            return None

    def cpus(self):
        """CPUs busy with other work since the meter was made (rounded to 0.001), or ``None``."""
        end = self._read()
        if self.begin is None or end is None or end[2] <= self.begin[2]:
            return None
        other_ticks = (end[0] - self.begin[0]) - (end[1] - self.begin[1])
        return round(max(other_ticks, 0) / os.sysconf("SC_CLK_TCK") / (end[2] - self.begin[2]), 3)


#: Other processes keeping more than this many CPUs busy, on average over a timing window (:class:`OtherLoad`),
#: disturbed it: a run of the test suite alongside reads about 1, an otherwise idle 2-vCPU guest 0.00-0.05
#: (2026-12-01).
DISTURBED_CPUS = 0.25


def other_load_note(other_cpus):
    """A line for a benchmark's console output naming the rounds in which other processes kept more than
    :data:`DISTURBED_CPUS` busy (``other_cpus``: per round, :class:`OtherLoad`), or ``""``.

    >>> other_load_note([0.01, 1.02, None])
    '  NOTE: other processes kept CPUs busy while these rounds were timed: round 2 (1.02 CPUs). Their figures are \
unreliable: measure again with nothing else running.'
    """
    busy = [f"round {i} ({cpus:.3g} CPUs)" for i, cpus in enumerate(other_cpus, start=1)
            if cpus is not None and cpus > DISTURBED_CPUS]
    if not busy:
        return ""
    return (f"  NOTE: other processes kept CPUs busy while these rounds were timed: {', '.join(busy)}. Their figures "
            "are unreliable: measure again with nothing else running.")


def _machine_busy_ticks():
    """Clock ticks all CPUs spent busy so far: the first line of ``/proc/stat``, user + nice + system + irq +
    softirq + steal (guest time is already in user)."""
    with open("/proc/stat", encoding="ascii") as f:
        fields = f.readline().split()
    if fields[0] != "cpu":
        raise ValueError(f"unexpected first line of /proc/stat: {fields[:1]}")
    user, nice, system, _idle, _iowait, irq, softirq, steal = (int(v) for v in fields[1:9])
    return user + nice + system + irq + softirq + steal


def _process_ticks(pid):
    """Clock ticks of CPU time of process ``pid`` (or ``"self"``) and of its children it has waited for: utime +
    stime + cutime + cstime, fields 14-17 of ``/proc/<pid>/stat`` (counted after the command name, which may hold
    spaces and parentheses)."""
    with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as f:
        after_name = f.read().rsplit(")", 1)[1].split()
    return sum(int(v) for v in after_name[11:15])          # after_name[0] is field 3 (the state)


def kill_running(workers):
    """Kill the workers (:class:`LineWorker`) that are still running: after an error, or to be sure."""
    for worker in workers:
        if worker.process.poll() is None:
            worker.process.kill()


def paired_ratio(ours, theirs):
    """The median of ``ours[i] / theirs[i]``: the two frameworks' times on slot ``i``, timed one right after the
    other.

    Both halves of a pair see the machine at nearly the same speed, which on a shared machine drifts by tens of
    percent within a minute. In the first two paired runs of the convolution benchmark on an AVX-512 Xeon
    (2026-12-01, 44 cases of 9 slots each) the paired log-ratio had 40 % and 64 % of the variance of an unpaired
    one (median over the cases; in the first, the median correlation of the two frameworks' log times was 0.62).
    Pairing does not remove differences in a process's own state (where its arrays lie, whether glibc gave memory
    back).

    >>> paired_ratio([1.0, 10.0, 100.0], [10.0, 100.0, 1.0])    # ratio of medians: 1.0
    0.1
    """
    return statistics.median(pair_ratios(ours, theirs))


def pair_ratios(ours, theirs):
    """The per-slot ratios ``ours[i] / theirs[i]`` that :func:`paired_ratio` takes the median of (the results page
    also gives an interval for that median from them).

    >>> pair_ratios([1.0, 4.0], [2.0, 2.0])
    [0.5, 2.0]

    Raises:
        ValueError: lists of different lengths, empty lists, or a time that is not a finite positive number (a
            zero, NaN or inf time means a broken measurement, and NaN would move a median depending on its place).
    """
    if len(ours) != len(theirs) or not ours:
        raise ValueError(f"paired_ratio needs two equally long, non-empty lists; got {len(ours)} and {len(theirs)}")
    for name, times in (("ours", ours), ("theirs", theirs)):
        for slot, value in enumerate(times):
            if not (isinstance(value, (int, float)) and math.isfinite(value) and value > 0):
                raise ValueError(f"paired_ratio needs finite positive times; got {name}[{slot}]={value!r}")
    return [a / b for a, b in zip(ours, theirs)]


def torch_first_in_slot(slot):
    """Whether torch times pair ``slot`` (counted over all rounds) before ours: on the even slots, so that each
    framework goes first in half of the pairs (one more for torch when their number is odd).

    >>> [torch_first_in_slot(slot) for slot in range(4)]
    [True, False, True, False]
    """
    return slot % 2 == 0


def check_minimums(minimum, **settings):
    """A ValueError naming the first of ``settings`` that is not an integer of at least ``minimum[name]``, with
    its command-line option (``steps_per_run``: ``--steps-per-run``).

    >>> check_minimums({"runs": 7}, runs=3)
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `runs` (--runs). Expected an integer of at least 7. Received runs=3
    """
    for name, value in settings.items():
        if not isinstance(value, int) or isinstance(value, bool) or value < minimum[name]:
            option = "--" + name.replace("_", "-")
            raise ValueError(f"Invalid value for argument `{name}` ({option}). Expected an integer of at least "
                             f"{minimum[name]}. Received {name}={value!r}")
