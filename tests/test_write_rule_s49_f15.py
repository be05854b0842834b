"""The write rule (a float is taken into an integer or bool tensor only when it holds an integer the dtype holds:
``3.0``, not ``3.7`` or ``1e300``) everywhere a value is written (``fill_``, ``t[i] =``, ``masked_fill(_)``, ``pad``,
``full_like``, ``new_full``), with one exception type (``TypeError``; s50: a whole number beyond the range,
``1e300``, gets the ``ValueError`` of the integer ``300`` into int8, tests/test_writes_s50_f2.py) and messages
quoting the value as passed (a reviewer found ``fill_(1e300)`` quoting a 301-digit integer, ``fill_(1e10)``
quoting ``10000000000``, ``masked_fill``
giving a ``ValueError`` where ``fill_`` gave a ``TypeError``, ``new_full((2,), 1e300)`` filling ``-2147483648``, and
``full_like(int32_t, 2.0)`` refused); the messages of integers beside numbers their dtype cannot hold.

References: PyTorch 2.13, run beside ours (it takes ``2.0``, truncates ``2.5`` and refuses ``1e300`` with
``RuntimeError: value cannot be converted to type int without overflow``)."""
import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv.backend import dtype_name

torch = pytest.importorskip("torch", reason="PyTorch is the reference of the writes")


def _setitem(t, value):
    t[0] = value
    return t


MASK = [True, False, False]
WRITES = {
    "fill_": (lambda t, v: t.fill_(v), lambda t, v: t.fill_(v)),
    "t[0] =": (_setitem, _setitem),
    "masked_fill": (lambda t, v: t.masked_fill(tg.tensor(MASK, dtype="bool"), v),
                    lambda t, v: t.masked_fill(torch.tensor(MASK), v)),
    "masked_fill_": (lambda t, v: t.masked_fill_(tg.tensor(MASK, dtype="bool"), v),
                     lambda t, v: t.masked_fill_(torch.tensor(MASK), v)),
    "pad": (lambda t, v: tg.ops.pad(t, [(1, 0)], value=v),
            lambda t, v: torch.nn.functional.pad(t, (1, 0), value=v)),
    "full_like": (lambda t, v: tg.ops.full_like(t, v), lambda t, v: torch.full_like(t, v)),
    "new_full": (lambda t, v: t.new_full((2,), v), lambda t, v: t.new_full((2,), v)),
}


@pytest.mark.parametrize("name", list(WRITES))
@pytest.mark.parametrize("dtype", ["int32", "uint8", "int64"])
def test_a_float_holding_an_integer_is_written_as_torch_writes_it(name, dtype):
    ours_write, torch_write = WRITES[name]
    ours = ours_write(tg.tensor([1, 2, 3], dtype=dtype), 2.0)
    theirs = torch_write(torch.tensor([1, 2, 3], dtype=getattr(torch, dtype)), 2.0)
    assert dtype_name(ours.dtype) == str(theirs.dtype).removeprefix("torch.") == dtype
    assert ours.tolist() == theirs.tolist()


@pytest.mark.parametrize("name", list(WRITES))
@pytest.mark.parametrize("value", [1e300, 1e10, -1e300])
def test_a_float_beyond_the_range_is_the_value_error_of_an_integer_quoting_it_as_torch_refuses_it(name, value):
    ours_write, torch_write = WRITES[name]
    if name != "pad":       # (torch's F.pad of an integer tensor converts the value unchecked)
        with pytest.raises(RuntimeError, match="value cannot be converted to type int without overflow"):
            torch_write(torch.tensor([1, 2, 3], dtype=torch.int32), value)
    with pytest.raises(ValueError, match=r"Invalid value for argument `(fill_)?value`.*: ") as caught:
        ours_write(tg.tensor([1, 2, 3], dtype="int32"), value)      # (s50: the ValueError of 2**40, not a TypeError)
    message = str(caught.value)
    assert f": {value!r} is out " in message and f"{int(value)} is" not in message
    assert "out of the range of int32 [-2147483648, 2147483647]" in message


@pytest.mark.parametrize("name", list(WRITES))
def test_a_fraction_is_refused_with_the_same_type_where_torch_truncates_it(name):
    ours_write, torch_write = WRITES[name]
    assert torch_write(torch.tensor([1, 2, 3], dtype=torch.int32), 2.5).flatten()[0].item() == 2
    with pytest.raises(TypeError, match=r": 2\.5 cannot .*an int32 tensor unchanged \(PyTorch truncates 2\.5 to 2"):
        ours_write(tg.tensor([1, 2, 3], dtype="int32"), 2.5)


def test_the_reviewers_messages_quote_the_value_passed():
    with pytest.raises(ValueError, match=r"`value` of fill_: 1e\+300 is out of the range of int32"):
        tg.tensor([1, 2, 3], dtype="int32").fill_(1e300)
    with pytest.raises(ValueError, match=r"`value` of fill_: 10000000000\.0 is out of the range of int32"):
        tg.tensor([1, 2, 3], dtype="int32").fill_(1e10)
    assert torch.tensor([True]).fill_(2.0).tolist() == [True]              # PyTorch makes it True
    with pytest.raises(TypeError, match=r"`value`: 2\.0 cannot be written into a bool tensor unchanged"):
        tg.tensor([True], dtype="bool").fill_(2.0)
    assert tg.tensor([False], dtype="bool").fill_(1.0).tolist() == torch.tensor([False]).fill_(1.0).tolist()


def test_pad_says_what_it_refuses_and_why():
    with pytest.raises(TypeError) as caught:
        tg.ops.pad(tg.tensor([1, 2], dtype="int32"), [(1, 1)], value=0.5)
    assert "int_tensor + 0.5" not in str(caught.value)        # (int_tensor + 0.5 is float32 now, as torch)
    assert str(caught.value).startswith("Invalid type for argument `value` of pad: 0.5 cannot pad an int32 tensor")
    assert dtype_name((tg.tensor([1, 2], dtype="int32") + 0.5).dtype) == "float32"
    with pytest.raises(ValueError, match=r"`value` of pad: 300 is out of the range of int8 \[-128, 127\]"):
        tg.ops.pad(tg.tensor([1, 2], dtype="int8"), [(1, 1)], value=300)       # (s50: as fill_ and masked_fill)


def test_new_full_refuses_what_full_like_refuses():
    with pytest.raises(TypeError, match=r"`fill_value` of new_full: 2\.5 cannot fill an int32 tensor"):
        tg.tensor([1], dtype="int32").new_full((2,), 2.5)
    with pytest.raises(ValueError, match=r"`fill_value` of new_full: 1e\+300 is out of the range of int32"):
        tg.tensor([1], dtype="int32").new_full((2,), 1e300)
    with pytest.raises(ValueError, match=r"`fill_value` of new_full: 300 is out of the range of int8"):
        tg.tensor([1], dtype="int8").new_full((2,), 300)
    with pytest.raises(RuntimeError, match="value cannot be converted to type int8_t without overflow"):
        torch.tensor([1], dtype=torch.int8).new_full((2,), 300)
    assert tg.tensor([1.0]).new_full((2,), 2.5, dtype="float64").tolist() == [2.5, 2.5]


def test_messages_use_the_article_of_the_dtype():
    t = tg.tensor([1, 2, 3], dtype="int32")
    with pytest.raises(TypeError, match=r"array\(2\.5\) cannot be written into an int32 tensor"):
        t[0] = np.array(2.5)            # (s50: a 0-d array is a number of the write rule, quoted)
    with pytest.raises(TypeError, match=r"`fill_value` of full_like: a bool tensor holds True or False"):
        tg.ops.full_like(tg.tensor([True], dtype="bool"), 2)


@pytest.mark.parametrize("dtype, number, cast", [("int8", 200, "t.astype('int16') or t.astype('float64')"),
                                                 ("uint8", -1, "t.astype('int16') or t.astype('float64')"),
                                                 ("int32", 2**40, "t.astype('int64') or t.astype('float64')"),
                                                 ("int64", 2**70, "t.astype('float64')")])
def test_an_integer_beyond_the_dtype_names_the_argument_and_a_cast_that_holds_it(dtype, number, cast):
    t = tg.tensor([1, 2], dtype=dtype)
    with pytest.raises(TypeError, match=r"Invalid type for argument `other`: ") as caught:
        t + number
    message = str(caught.value)
    assert message.endswith(f"cast the tensor first, e.g. {cast}")
    assert f"astype('{dtype}')" not in message
    wider = cast.split("'")[1]                      # the cast does hold the number and the values
    if wider == "float64":          # (torch refuses 2**70 beside any tensor: NumPy's float64 sum is the reference)
        expected = (np.array([1, 2], dtype=dtype).astype(wider) + float(number)).tolist()
    else:
        expected = (torch.tensor([1, 2], dtype=getattr(torch, dtype)).to(getattr(torch, wider)) + number).tolist()
    assert (t.astype(wider) + number).tolist() == expected
    if dtype == "int64":
        with pytest.raises(OverflowError, match="int too big to convert"):
            torch.tensor([1, 2]) + number
        assert 'PyTorch refuses it: "int too big to convert"' in message
    else:
        assert "PyTorch wraps it into the dtype silently" in message
