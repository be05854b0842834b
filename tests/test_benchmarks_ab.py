"""``benchmarks/ab.py``, the A/B of our own path switches: its settings are checked, applied in the worker and put
back, and the variants' results agree with the baseline's (the paths compute the same sums). Nothing here asserts
a speed."""
import sys
from pathlib import Path

import numpy as np
import pytest

ROOT = Path(__file__).resolve().parents[1]
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from benchmarks import ab
from benchmarks import conv as bc
from tinygradconv.ops import conv, conv_batching, conv_winograd


@pytest.mark.parametrize("text, message", [
    ("BLOCKED_FORWARD=False", "module.NAME=value"),
    ("conv.BLOCKED_FORWARD", "module.NAME=value"),
    ("conv.BLOCKED_FORWARD=", "module.NAME=value"),
    ("nn.BLOCKED_FORWARD=False", "unknown module 'nn'"),
    ("conv.blocked_forward=False", "has no switch 'blocked_forward'"),
    ("conv.BLOCKED_FORWARD=1", r"is a bool \(now True\). Received 1"),
    ("conv.BLOCKED_FORWARD=false", "not a Python literal"),
    ("conv_batching.CHUNK_BYTES=1.5", r"is a int \(now 1048576\)"),
    ("conv_batching.CHUNK_BYTES=4096,conv.STRIDED_GATHER=None", "is a bool"),
])
def test_bad_settings_are_refused_naming_the_argument(text, message):
    with pytest.raises(ValueError, match=rf"argument `variant`.*{message}|{message}.*{text}"):
        ab.parse_variant(text)


def test_settings_of_each_type_are_parsed():
    assert ab.parse_variant("conv_batching.THREADS=2, conv_batching.THREADS=None") == [
        ("conv_batching", "THREADS", 2), ("conv_batching", "THREADS", None)]
    assert ab.parse_variant("conv_winograd.MIN_STEPS=1,conv.TILED_BIAS_ADD=False") == [
        ("conv_winograd", "MIN_STEPS", 1), ("conv", "TILED_BIAS_ADD", False)]
    assert ab.parse_variant("conv_winograd.WINOGRAD=True") == [("conv_winograd", "WINOGRAD", True)]
    with pytest.raises(ValueError, match="WINOGRAD is a NoneType"):
        ab.parse_variant("conv_winograd.WINOGRAD=3")
    assert ab.parse_variant("conv_batching.CPU_VENDOR=GenuineIntel,conv_batching.CPU_VENDOR='AuthenticAMD',"
                            "conv_batching.CPU_VENDOR=None") == [
        ("conv_batching", "CPU_VENDOR", "GenuineIntel"), ("conv_batching", "CPU_VENDOR", "AuthenticAMD"),
        ("conv_batching", "CPU_VENDOR", None)]


def test_switched_sets_and_puts_back_also_on_error():
    before = (conv.BLOCKED_FORWARD, conv_batching.CHUNK_BYTES)
    settings = [("conv", "BLOCKED_FORWARD", not before[0]), ("conv_batching", "CHUNK_BYTES", 4096)]
    with ab.switched(settings):
        assert (conv.BLOCKED_FORWARD, conv_batching.CHUNK_BYTES) == (not before[0], 4096)
    assert (conv.BLOCKED_FORWARD, conv_batching.CHUNK_BYTES) == before
    with pytest.raises(RuntimeError, match="inside"), ab.switched(settings):
        raise RuntimeError("inside")
    assert (conv.BLOCKED_FORWARD, conv_batching.CHUNK_BYTES) == before


def test_largest_difference_is_relative_to_the_reference_and_sees_nan():
    ref = [np.array([2.0, -4.0]), np.zeros(3)]
    assert ab.largest_difference([np.array([2.0, -3.0]), np.zeros(3)], ref) == 0.25
    assert ab.largest_difference([np.array([2.0, -4.0]), np.array([0.0, 1e-9, 0.0])], ref) == np.inf
    assert np.isnan(ab.largest_difference([np.array([np.nan, -4.0]), np.zeros(3)], ref))
    assert ab.largest_difference([np.array([np.nan, 1.0])], [np.array([np.nan, 3.0])]) == 2 / 3


def test_the_worker_applies_each_variant_and_the_paths_agree(monkeypatch):
    """In the worker, the baseline does not take Winograd on the dilated case (64 channels: below the rule) and the
    variant that lowers the rule's limits does, in every call; its results (output, three gradients) agree with the
    direct paths' to float32 rounding."""
    calls = {"winograd": 0}
    real = conv.conv1d_winograd

    def spy(*args, **kwargs):
        calls["winograd"] += 1
        return real(*args, **kwargs)

    monkeypatch.setattr(conv, "conv1d_winograd", spy)
    monkeypatch.setattr(conv_winograd, "WINOGRAD", True)                  # on any CPU (None: AMD's only)
    lowered = ab.parse_variant("conv_winograd.MIN_CHANNELS=1,conv_winograd.MIN_CHANNEL_PRODUCT=1")
    counts = []

    def counting_median(fn, n, warmup_s):
        before = calls["winograd"]
        fn()
        counts.append(calls["winograd"] - before)
        return 1.0

    monkeypatch.setattr(ab, "_median_of_calls", counting_median)
    result = ab.run_worker({"op": "conv1d", "case": "dilated", "variants": [[], lowered], "rounds": 2, "calls": 1,
                            "warmup_ms": 0.0, "data_format": "channels_last"})
    # per round and variant: fwd (one Winograd call), then fwd_bwd (the forward and the input gradient's); round 0
    # runs the baseline first, round 1 the variant first
    assert counts == [0, 0, 1, 2, 1, 2, 0, 0]
    assert result["diff"][0] == 0.0 and 0 < result["diff"][1] < 1e-5
    assert conv_winograd.MIN_CHANNELS == 128                       # put back


def test_compare_runs_a_worker_process_and_summarises():
    rows = ab.compare("conv1d_transpose", "small", ["conv.BLOCKED_OVERLAP_ADD=False"], rounds=2, calls=1,
                      warmup_ms=0.0)
    assert [r["variant"] for r in rows] == ["baseline", "conv.BLOCKED_OVERLAP_ADD=False"]
    assert {r["data_format"] for r in rows} == {"channels_last"}     # no layout asked for: the case's own
    assert rows[0]["fwd_x"] == rows[0]["fwd_bwd_x"] == 1.0 and rows[0]["max_diff"] == 0.0
    assert all(r[f"{part}_ms"] > 0 and r[f"{part}_interval"] is None for r in rows for part in ab.PARTS)
    assert rows[1]["max_diff"] < 1e-5                               # the plain path: the same sums
    assert "conv.BLOCKED_OVERLAP_ADD=False" in ab.format_rows(rows, "title")


def test_the_worker_builds_the_inputs_in_the_layout_asked_for(monkeypatch):
    """``data_format`` in the spec (``--data-format``) builds the case's inputs in that layout: a channels_first
    input of the long case reaches conv1d as a (B, C, L) array, a channels_last one as (B, L, C)."""
    seen = []
    real = conv.conv1d

    def spy(x, *args, **kwargs):
        seen.append((kwargs.get("data_format"), tuple(x.shape)))
        return real(x, *args, **kwargs)

    monkeypatch.setattr(conv, "conv1d", spy)
    monkeypatch.setattr(ab, "_median_of_calls", lambda fn, n, warmup_s: 1.0)
    off = ab.parse_variant("conv.BLOCKED_FORWARD=False")
    batch, _, c_in = bc.SHAPES["long"][:3]
    steps = bc.full_length(bc.SHAPES["long"])                          # conv1d's input length for the case
    for layout, shape in (("channels_first", (batch, c_in, steps)), ("channels_last", (batch, steps, c_in))):
        seen.clear()
        result = ab.run_worker({"op": "conv1d", "case": "long", "variants": [[], off], "rounds": 1, "calls": 1,
                                "warmup_ms": 0.0, "data_format": layout})
        assert seen and set(seen) == {(layout, shape)}, layout
        assert result["diff"][1] < 1e-5


@pytest.mark.parametrize("kwargs, message", [
    ({"op": "conv2d"}, "argument `op`"), ({"case": "huge"}, "argument `case`"), ({"variants": []}, "Nothing to"),
    ({"case": "4,256,8,8,101,1"}, "seven positive integers"), ({"case": "4,256,8,8,0,1,2"}, "argument `case`"),
    ({"case": "1,64,4,4,\u00b2,1,1"}, "argument `case`"),
    ({"rounds": 0}, "argument `rounds`"), ({"calls": True}, "argument `calls`"),
    ({"layout": "NCW"}, "argument `layout`"),
])
def test_compare_refuses_bad_arguments_before_starting_a_worker(kwargs, message):
    arguments = {"op": "conv1d", "case": "small", "variants": ["conv.BLOCKED_FORWARD=False"]} | kwargs
    with pytest.raises(ValueError, match=message):
        ab.compare(**arguments)


def test_a_shape_given_as_seven_numbers_is_timed_like_a_case():
    """A long kernel that no benchmark case has (101 taps, dilation 2, 8 channels), with the switch of its path:
    both variants run, and the paths agree to rounding."""
    rows = ab.compare("conv1d_transpose", "2,64,3,2,33,1,2", ["conv.LONG_KERNEL_TAPS=None"], rounds=1, calls=1,
                      warmup_ms=0)
    assert [r["variant"] for r in rows] == ["baseline", "conv.LONG_KERNEL_TAPS=None"]
    assert rows[1]["max_diff"] < 1e-5 and rows[0]["data_format"] == "channels_last"
