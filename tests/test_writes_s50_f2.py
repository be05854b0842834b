"""Out-of-range writes into integer tensors: one error whatever the number's spelling.

``y[:] = 300`` into int8 was a ``ValueError`` naming the range, but ``300.0`` and ``np.float32(1e10)`` were a
``TypeError`` about truncating 2.5, ``np.array(300)`` wrapped silently to 44, and ``[300, 1]`` said "a float32
value cannot be written" (the list had been cast to float32). PyTorch 2.13 refuses ``300`` and ``300.0`` alike
(``RuntimeError: value cannot be converted to type int8_t without overflow``); NumPy arrays and lists it refuses
as a type (``can't assign a numpy.ndarray``), where this package writes those that fit.

References: PyTorch 2.13 run beside ours; the dtype's range from ``np.iinfo`` (independent of the code tested)."""
import re

import numpy as np
import pytest

import tinygradconv as tg

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the writes")

RANGE = r"is out of the range of int8 \[-128, 127\]"


def _ours_int8():
    return tg.tensor(np.zeros(2), dtype="int8")


@pytest.mark.parametrize("value", [300, 300.0, -129.0, np.float64(300.0), 1e300])
def test_a_whole_number_out_of_range_is_refused_as_torch_refuses_it_whatever_its_spelling(value):
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        torch.zeros(2, dtype=torch.int8)[:] = value
    y = _ours_int8()
    with pytest.raises(ValueError, match=r"Invalid value for argument `value` of `t\[index\] = value`: "
                                         + re.escape(repr(value)) + " " + RANGE):
        y[:] = value
    assert y.tolist() == [0, 0]                                  # nothing written


@pytest.mark.parametrize("write", ["fill_", "masked_fill", "new_full", "pad"])
def test_every_write_of_a_whole_float_out_of_range_gives_the_value_error_of_the_integer(write):
    t = tg.tensor([1, 2], dtype="int8")
    calls = {"fill_": lambda v: t.clone().fill_(v),
             "masked_fill": lambda v: t.masked_fill(tg.tensor([True, False], dtype="bool"), v),
             "new_full": lambda v: t.new_full((2,), v),
             "pad": lambda v: tg.ops.pad(t, [(1, 1)], value=v)}
    messages = []
    for value in (300, 300.0):
        with pytest.raises(ValueError, match=RANGE) as caught:
            calls[write](value)
        messages.append(str(caught.value).replace("300.0", "300"))
    assert messages[0] == messages[1]                            # the same words, the number quoted as passed
    with pytest.raises(RuntimeError, match="without overflow"):
        torch.tensor([1, 2], dtype=torch.int8).fill_(300.0)


def test_a_float32_number_beyond_the_range_is_a_value_error_quoting_it():
    with pytest.raises((RuntimeError, TypeError)):                # torch: "can't assign a numpy.float32"
        torch.zeros(2, dtype=torch.int8)[:] = np.float32(1e10)
    y = _ours_int8()
    with pytest.raises(ValueError, match=r": np\.float32\(1e\+10\) " + RANGE):
        y[:] = np.float32(1e10)


def test_a_fraction_is_still_a_type_error():
    assert (torch.zeros(2, dtype=torch.int8).index_fill_(0, torch.tensor([0]), 2.5)).tolist()[0] == 2   # truncated
    with pytest.raises(TypeError, match=r"2\.5 cannot be written into an int8 tensor unchanged"):
        _ours_int8()[:] = 2.5


@pytest.mark.parametrize("value", [np.array(300), np.array(-129), np.array(300, dtype=np.int16)])
def test_a_zero_dimensional_integer_array_follows_the_number_rule(value):
    """NumPy's cast wrapped ``np.array(300)`` to 44; the number ``300`` is refused (as PyTorch refuses it)."""
    assert np.array(300).astype(np.int8).item() == 44            # what a silent cast writes
    y = _ours_int8()
    with pytest.raises(ValueError, match=r"`value` of `t\[index\] = value`: array\(" + f"{value.item()}"):
        y[:] = value
    assert y.tolist() == [0, 0]
    y[:] = np.array(-7)                                          # in range: written, as the number -7 is
    torch_y = torch.zeros(2, dtype=torch.int8)
    torch_y[:] = -7
    assert y.tolist() == torch_y.tolist()


@pytest.mark.parametrize("value", [[300, 1], (1, -129), [[1, 300]], [2**70, 1]])
def test_a_list_of_integers_out_of_range_is_refused_naming_the_range(value):
    y = _ours_int8()
    with pytest.raises(ValueError, match=RANGE) as caught:
        y[:] = value
    assert "float32" not in str(caught.value) and repr(value) in str(caught.value)
    assert y.tolist() == [0, 0]
    with pytest.raises((RuntimeError, ValueError), match="[Oo]verflow"):  # torch refuses the list; its numbers so
        torch.zeros(2, dtype=torch.int8)[:] = max(np.ravel(np.asarray(value, dtype=object)), key=abs)


def test_a_list_of_integers_in_range_is_written_as_torch_writes_the_tensor_of_it():
    y = _ours_int8()
    y[:] = [-128, 127]
    torch_y = torch.zeros(2, dtype=torch.int8)
    torch_y[:] = torch.tensor([-128, 127], dtype=torch.int8)       # (torch refuses the list itself)
    assert y.tolist() == torch_y.tolist() == [-128, 127]
    u = tg.tensor([0, 0], dtype="uint8")
    with pytest.raises(ValueError, match=r"out of the range of uint8 \[0, 255\]"):
        u[:] = [256, 0]
