"""Our paths against each other: one convolution case timed with path switches flipped, the variants alternating.

Which path serves which shapes was chosen by measurement (the docstrings of :mod:`tinygradconv.ops.conv` and its
sibling modules, and "Measured and not adopted" in ``docs/conv1d_transpose_math.md``, quote the figures). Each
path has a module-level switch, such as ``conv.BLOCKED_FORWARD`` or ``conv_winograd.WINOGRAD`` (``--list`` shows
them all); this script flips them and times the same inputs with and without, so that anyone can repeat such a
measurement on their own machine. ``make bench`` compares us with torch; this compares us with ourselves.

Method:

* one worker process, whose thread pools are fixed before NumPy is imported and which is pinned to as many CPUs as
  it has threads (:func:`benchmarks.harness.worker_env`, :func:`benchmarks.harness.pin_cpus`), builds the inputs of
  the case once (:func:`benchmarks.conv._make_ours`, float32, the case's layout or ``--data-format``'s);
* in each of ``--rounds`` rounds, every variant in turn (the baseline, the settings as they are, then each
  ``--variant``; the order rotates from round to round) sets its switches, runs ``--warmup-ms`` of untimed calls,
  times ``--calls`` calls of the forward pass and of forward+backward, and puts its switches back;
* a variant's time is the median over rounds of its per-round medians; "x base" is the median over rounds of its
  per-round ratio to the baseline (the two timed moments apart, at nearly the same speed of the machine), with a
  distribution-free interval for that median (:func:`benchmarks.run.median_interval`, 95 % or more; none with
  fewer than 6 rounds);
* "max diff" is the largest difference between the variant's results and the baseline's (output and the three
  gradients, each over the largest magnitude of the baseline's array): rounding, about ``1e-7`` to ``1e-6`` in
  float32, when the paths compute the same sums in another order.

Usage::

    python benchmarks/ab.py --list
    python benchmarks/ab.py conv1d dilated3 --variant conv.BLOCKED_FORWARD=False
    python benchmarks/ab.py conv1d_transpose channels256 --threads 2 --variant conv_winograd.WINOGRAD=False
    python benchmarks/ab.py conv1d batch1 --threads 2 \\
        --variant gemm_blocks.SMALL_GEMM_BLOCKS=False,conv_batching.CHUNK_BYTES=4194304
    python benchmarks/ab.py conv1d long --data-format channels_first --variant conv_phases.PHASE_PATH=True
    python benchmarks/ab.py conv1d_transpose 4,256,8,8,101,1,2 --variant conv.LONG_KERNEL_TAPS=None

A variant is one or more ``module.NAME=value`` settings separated by commas; ``value`` is a Python literal of the
switch's type (``True``, ``4194304``, ``None`` where the switch may be ``None``), or for a name setting such as
``conv_batching.CPU_VENDOR`` the name itself (``AuthenticAMD``: that maker's limits on this CPU). The cases are those of
:mod:`benchmarks.conv` (``small``, ``medium``, ``dilated3``, ``channels_first``, ...), each in its own layout
(``channels_first`` for the ``channels_first`` case, else ``channels_last``) unless ``--data-format`` names another:
the inputs are then built in that layout, the same shapes and seed. A case may also be any shape, seven numbers
``B,L,C_in,filters,k,s,d`` in the cases' meaning (:func:`case_shape`), taken in ``channels_last``.
"""
from __future__ import annotations

import argparse
import ast
import contextlib
import importlib
import json
import os
import statistics
import subprocess
import sys

if __package__ in (None, ""):  # run as a script: make the `benchmarks` package importable
    sys.path.insert(0, os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
from benchmarks.conv import OPS, SHAPES, _times_ms, data_format
from benchmarks.harness import check_minimums, pin_cpus, worker_env

#: The modules of ``tinygradconv.ops`` whose upper-case names are path switches and tuning limits.
SWITCH_MODULES = ("conv", "conv_batching", "conv_cuda", "conv_phases", "conv_winograd", "gemm_blocks")
PARTS = ("fwd", "fwd_bwd")
#: The layouts ``--data-format`` may name.
LAYOUTS = ("channels_last", "channels_first")
#: Settings whose value is a name (a string, or ``None`` for the default) rather than a number or a bool.
NAME_SETTINGS = frozenset({"CPU_VENDOR"})
#: Switches that are ``None`` (decided by the CPU's maker) or a bool (forced on or off), rather than ``None`` or an int.
BOOL_OR_NONE_SETTINGS = frozenset({"PHASE_PATH", "WINOGRAD"})
#: Limits that are an int, or ``None`` for "never" (``conv.LONG_KERNEL_TAPS``).
INT_OR_NONE_SETTINGS = frozenset({"LONG_KERNEL_TAPS"})


def parse_variant(text):
    """``[(module, name, value), ...]`` from ``"module.NAME=value,module.NAME=value"``, each checked against the
    switch it names (:func:`checked_setting`).

    >>> parse_variant("conv.BLOCKED_FORWARD=False,gemm_blocks.SMALL_GEMM_MNK=500000")
    [('conv', 'BLOCKED_FORWARD', False), ('gemm_blocks', 'SMALL_GEMM_MNK', 500000)]

    Raises:
        ValueError: a setting not of the form ``module.NAME=value``, or one :func:`checked_setting` refuses.
    """
    settings = []
    for item in text.split(","):
        target, sep, literal = item.partition("=")
        module, dot, name = target.strip().partition(".")
        if not (sep and dot and module and name and literal.strip()):
            raise ValueError(f"Invalid value for argument `variant`. Expected module.NAME=value settings separated "
                             f"by commas, e.g. conv.BLOCKED_FORWARD=False. Received {text!r}")
        settings.append(checked_setting(module, name.strip(), literal.strip()))
    return settings


def checked_setting(module, name, literal):
    """``(module, name, value)`` once ``module`` is one of :data:`SWITCH_MODULES`, ``name`` an upper-case name it
    defines, and ``literal`` a Python literal of that name's type (an int for a float limit too; ``None`` or an
    int where the switch is ``None``, as ``conv_batching.THREADS``, or an int that may be ``None``
    (:data:`INT_OR_NONE_SETTINGS`); ``None`` or a bool for
    :data:`BOOL_OR_NONE_SETTINGS`, as ``conv_winograd.WINOGRAD``), or for :data:`NAME_SETTINGS` the text itself
    (``None``: the default).

    >>> checked_setting("conv_winograd", "MIN_CHANNELS", "64")
    ('conv_winograd', 'MIN_CHANNELS', 64)
    >>> checked_setting("conv_batching", "CPU_VENDOR", "AuthenticAMD")      # a name (NAME_SETTINGS): as written
    ('conv_batching', 'CPU_VENDOR', 'AuthenticAMD')
    >>> checked_setting("conv", "BLOCKED_FORWARD", "0")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `variant`: conv.BLOCKED_FORWARD is a bool (now True). Received 0

    Raises:
        ValueError: an unknown module or name, a value that is not a literal, or one of another type.
    """
    if module not in SWITCH_MODULES:
        raise ValueError(f"Invalid value for argument `variant`: unknown module {module!r}. Expected one of "
                         f"{', '.join(SWITCH_MODULES)} (the modules of tinygradconv.ops with switches)")
    current_values = switches()[module]
    if name not in current_values:
        raise ValueError(f"Invalid value for argument `variant`: tinygradconv.ops.{module} has no switch {name!r}. "
                         f"Expected one of {', '.join(sorted(current_values))}")
    current = current_values[name]
    if name in NAME_SETTINGS:                        # a name, such as a CPU maker's: the text itself, or None
        return module, name, None if literal == "None" else literal.strip("'\"")
    try:
        value = ast.literal_eval(literal)
    except (ValueError, SyntaxError):
        raise ValueError(f"Invalid value for argument `variant`: {module}.{name}={literal} is not a Python "
                         f"literal (True, False, None, a number)") from None
    expected = {bool: (bool,), int: (int,), float: (int, float), type(None): (int, type(None))}.get(type(current))
    if name in BOOL_OR_NONE_SETTINGS:
        expected = (bool, type(None))
    if name in INT_OR_NONE_SETTINGS:
        expected = (int, type(None))
    if expected is None or type(value) not in expected:
        raise ValueError(f"Invalid value for argument `variant`: {module}.{name} is a {type(current).__name__} "
                         f"(now {current!r}). Received {literal}")
    return module, name, value


def switches():
    """``{module: {NAME: value}}``: the current path switches and numeric limits of :data:`SWITCH_MODULES` (their
    upper-case names holding a bool, an int, a float or ``None``)."""
    found = {}
    for module in SWITCH_MODULES:
        namespace = vars(importlib.import_module(f"tinygradconv.ops.{module}"))
        found[module] = {name: value for name, value in namespace.items()
                         if name.isupper() and (value is None or type(value) in (bool, int, float)
                                                or (name in NAME_SETTINGS and type(value) is str))}
    return found


@contextlib.contextmanager
def switched(settings):
    """Set ``settings`` (``[(module, name, value)]``) for the duration of the ``with`` block, then put the previous
    values back (also when the block raises)."""
    modules = [importlib.import_module(f"tinygradconv.ops.{module}") for module, _, _ in settings]
    saved = [getattr(m, name) for m, (_, name, _) in zip(modules, settings)]
    try:
        for m, (_, name, value) in zip(modules, settings):
            setattr(m, name, value)
        yield
    finally:
        for m, (_, name, _), value in zip(reversed(modules), reversed(settings), reversed(saved)):
            setattr(m, name, value)


def largest_difference(ours, reference):
    """``max |ours - reference| / max |reference|`` over pairs of arrays (0 where the reference is all zeros and
    the two are equal; NaN where they differ in their NaNs).

    >>> import numpy as np
    >>> largest_difference([np.array([1.0, -3.0])], [np.array([1.0, -2.0])])
    0.5
    """
    import numpy as np

    worst = 0.0
    for a, b in zip(ours, reference):
        a, b = np.asarray(a, np.float64), np.asarray(b, np.float64)
        if not np.array_equal(np.isnan(a), np.isnan(b)):
            return float("nan")
        finite = ~np.isnan(b)
        scale = np.max(np.abs(b[finite]), initial=0.0)
        diff = np.max(np.abs(a[finite] - b[finite]), initial=0.0)
        worst = max(worst, diff / scale if scale else (0.0 if diff == 0 else float("inf")))
    return float(worst)


def _results(fwd_bwd):
    """The output and the three gradients of one forward+backward call, as NumPy arrays."""
    y = fwd_bwd()
    return [y.numpy().copy()] + [t.grad.numpy().copy() for t in fwd_bwd.inputs]


def _median_of_calls(fn, calls, warmup_s):
    """``fn``'s median time in ms over ``calls`` calls, after ``warmup_s`` seconds of untimed calls (at least one),
    timed as ``make bench`` times them (:func:`benchmarks.conv._times_ms`)."""
    return statistics.median(_times_ms(fn, calls, warmup=1, warmup_s=warmup_s)[0])


def run_worker(spec):
    """Time the variants of ``spec`` (op, case, data_format, variants as lists of settings, rounds, calls,
    warmup_ms) in this process: ``{"times": [[{part: ms} per round] per variant], "diff": [max diff per
    variant]}``."""
    from benchmarks.conv import _make_ours

    case = spec["case"]
    fwd, fwd_bwd = _make_ours(spec["op"], case_shape(case), data_format=spec["data_format"])
    closures = {"fwd": fwd, "fwd_bwd": fwd_bwd}
    variants = [[tuple(s) for s in v] for v in spec["variants"]]
    reference = _results(fwd_bwd)
    diffs = []
    for settings in variants:
        with switched(settings):
            diffs.append(largest_difference(_results(fwd_bwd), reference))
    times = [[] for _ in variants]
    for r in range(spec["rounds"]):
        for j in range(len(variants)):                 # each variant goes first in turn
            i = (r + j) % len(variants)
            with switched(variants[i]):
                times[i].append({part: _median_of_calls(closures[part], spec["calls"], spec["warmup_ms"] / 1e3)
                                 for part in PARTS})
    return {"times": times, "diff": diffs}


def case_shape(case):
    """The shape ``(B, L, C_in, filters, k, s, d)`` of ``case``: a case of :mod:`benchmarks.conv` by name, or seven
    positive integers separated by commas, in the cases' meaning (``L`` is the transposed convolution's input
    length and conv1d's output length): ``"4,256,8,8,101,1,2"`` is a kernel of 101 taps, dilation 2, over 8
    channels.

    Raises:
        ValueError: neither a case's name nor seven positive integers.

    >>> case_shape("dilated"), case_shape("4, 256, 8, 8, 101, 1, 2")
    ((32, 256, 64, 64, 3, 1, 2), (4, 256, 8, 8, 101, 1, 2))
    """
    if case in SHAPES:
        return SHAPES[case]
    parts = str(case).split(",")
    if len(parts) == 7 and all(p.strip().isdecimal() and int(p) > 0 for p in parts):
        return tuple(int(p) for p in parts)
    raise ValueError(f"Invalid value for argument `case`. Expected one of {', '.join(SHAPES)}, or seven positive "
                     f"integers B,L,C_in,filters,k,s,d separated by commas. Received {case!r}")


def compare(op, case, variants, threads=1, rounds=20, calls=15, warmup_ms=20.0, layout=None):
    """Run :func:`run_worker` in a subprocess with ``threads`` threads (pinned, thread pools fixed) and summarise:
    one row per variant (the baseline first) with its label, the inputs' layout (``"data_format"``), its max diff,
    and per part its median time over rounds (``"<part>_ms"``), its median ratio to the baseline (``"<part>_x"``)
    and that median's interval (``"<part>_interval"``, ``(low, high, coverage)`` or ``None``).

    ``layout``: ``"channels_last"`` or ``"channels_first"`` for the inputs, ``None`` for the case's own.

    Raises:
        ValueError: an unknown op, case or layout, no variant, or fewer than 1 round or call.
        RuntimeError: the worker failed (its error output is included).
    """
    from benchmarks.run import median_interval

    if op not in OPS:
        raise ValueError(f"Invalid value for argument `op`. Expected one of {', '.join(OPS)}. Received {op!r}")
    case_shape(case)
    if layout not in (None, *LAYOUTS):
        raise ValueError(f"Invalid value for argument `layout`. Expected one of {', '.join(LAYOUTS)} or None. "
                         f"Received {layout!r}")
    if not variants:
        raise ValueError("Nothing to compare: give at least one --variant (python benchmarks/ab.py --list shows "
                         "the switches)")
    check_minimums({"rounds": 1, "calls": 1}, rounds=rounds, calls=calls)
    parsed = [parse_variant(v) for v in variants]
    layout = layout or data_format(case)
    spec = {"op": op, "case": case, "variants": [[]] + parsed, "rounds": rounds, "calls": calls,
            "warmup_ms": warmup_ms, "data_format": layout}
    out = subprocess.run([sys.executable, os.path.abspath(__file__), "--worker", json.dumps(spec)],
                         env=worker_env(threads), capture_output=True, text=True, check=False,
                         preexec_fn=pin_cpus(threads))
    if out.returncode:
        raise RuntimeError(f"the A/B worker failed:\n{out.stderr}")
    result = json.loads(out.stdout)
    rows = []
    for label, times, diff in zip(["baseline"] + list(variants), result["times"], result["diff"]):
        row = {"variant": label, "data_format": layout, "max_diff": diff}
        for part in PARTS:
            mine = [t[part] for t in times]
            ratios = [a[part] / b[part] for a, b in zip(times, result["times"][0])]
            row[f"{part}_ms"] = statistics.median(mine)
            row[f"{part}_x"] = statistics.median(ratios)
            row[f"{part}_interval"] = median_interval(ratios)
        rows.append(row)
    return rows


def format_rows(rows, title):
    """The rows of :func:`compare` as a text table under ``title``."""
    def ratio(row, part):
        low_high = row[f"{part}_interval"]
        text = f"{row[f'{part}_x']:.3f}"
        return text + (f" ({low_high[0]:.3f}-{low_high[1]:.3f})" if low_high and row["variant"] != "baseline" else "")

    width = max(len(r["variant"]) for r in rows)
    header = (f"{'variant':{width}}  {'fwd ms':>8}  {'x base (interval)':>22}  {'f+b ms':>8}  "
              f"{'x base (interval)':>22}  max diff")
    lines = [title, header]
    for r in rows:
        lines.append(f"{r['variant']:{width}}  {r['fwd_ms']:8.3f}  {ratio(r, 'fwd'):>22}  {r['fwd_bwd_ms']:8.3f}  "
                     f"{ratio(r, 'fwd_bwd'):>22}  {r['max_diff']:.1e}")
    return "\n".join(lines)


def main(argv=None):
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("op", nargs="?", choices=OPS)
    parser.add_argument("case", nargs="?", help=f"one of {', '.join(SHAPES)}, or a shape B,L,C_in,filters,k,s,d")
    parser.add_argument("--variant", action="append", default=[],
                        help="module.NAME=value[,module.NAME=value...]; repeat for more variants")
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--data-format", choices=LAYOUTS, help="the inputs' layout (default: the case's own)")
    parser.add_argument("--rounds", type=int, default=20)
    parser.add_argument("--calls", type=int, default=15, help="timed calls per round, variant and part")
    parser.add_argument("--warmup-ms", type=float, default=20.0, help="untimed calls before each round's timing")
    parser.add_argument("--list", action="store_true", help="list the switches and their current values")
    parser.add_argument("--json", action="store_true", help="print the rows as JSON")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.worker:
        print(json.dumps(run_worker(json.loads(args.worker))))
        return 0
    if args.list:
        for module, values in switches().items():
            for name, value in sorted(values.items()):
                print(f"{module}.{name}={value!r}")
        return 0
    if not (args.op and args.case):
        parser.error("give an op and a case (or --list)")
    try:
        rows = compare(args.op, args.case, args.variant, args.threads, args.rounds, args.calls, args.warmup_ms,
                       args.data_format)
    except ValueError as error:
        parser.error(str(error))
    if args.json:
        print(json.dumps(rows, indent=1))
    else:
        print(format_rows(rows, f"{args.op} {args.case} {case_shape(args.case)}, {rows[0]['data_format']}, "
                                f"{args.threads} thread(s), {args.rounds} rounds x {args.calls} calls"))
    return 0


if __name__ == "__main__":
    sys.exit(main())
