"""Error messages name a dtype by its plain name ("int32") on every backend: array_api_strict's dtype objects print
as "array_api_strict.int32", which the conv check showed raw before the fix. The reference is the message of the
same call on the numpy backend, and the name written by hand."""
import numpy as np
import pytest

import tinygradconv as tg

pytest.importorskip("array_api_strict", reason="the array-api-strict backend is the second backend here")


def _message(backend, call):
    with pytest.raises(TypeError) as info:
        call(backend)
    return str(info.value)


@pytest.mark.parametrize("call, name", [
    (lambda b: tg.ops.conv1d(tg.tensor(np.ones((1, 4, 1)), dtype="int32", backend=b),
                             tg.tensor(np.ones((3, 1, 1)), backend=b)), "received input of dtype int32"),
    (lambda b: tg.ops.conv1d_transpose(tg.tensor(np.ones((1, 4, 1)), backend=b),
                                       tg.tensor(np.ones((3, 1, 1)), dtype="int8", backend=b)),
     "received kernel of dtype int8"),
], ids=["conv1d input", "conv1d_transpose kernel"])
def test_conv_messages_name_the_dtype_as_on_numpy(call, name):
    strict = _message("array_api_strict", call)
    assert name in strict and "array_api_strict." not in strict
    assert strict == _message("numpy", call)


def test_dtype_name_is_the_portable_comparison():
    """What the Tensor.dtype docstring and concepts.md say: str() and == differ between backends, the name not."""
    for kind in ("float32", "int32", "bool"):
        n = tg.tensor(np.zeros(2), dtype=kind)
        s = n.to("array_api_strict")
        assert str(s.dtype) == f"array_api_strict.{kind}" and s.dtype != kind and n.dtype == kind
        assert tg.backend.dtype_name(s.dtype) == tg.backend.dtype_name(n.dtype) == kind


@pytest.mark.parametrize("call, name", [
    (lambda b: tg.tensor([1.0, 2.0], backend=b)[tg.tensor([0.0], backend=b)],
     "received a tensor of dtype float32."),
    (lambda b: tg.tensor([True, False], dtype="bool", backend=b).clip(tg.tensor([True], dtype="bool", backend=b)),
     "a bool bound on a bool tensor"),
], ids=["float index tensor", "clip bool bound of a bool tensor"])
def test_index_and_clip_messages_name_the_dtype_as_on_numpy(call, name):
    """Before the fix array_api_strict's messages said "dtype array_api_strict.float32" and "... .bool"."""
    strict = _message("array_api_strict", call)
    assert name in strict and "array_api_strict." not in strict
    assert strict == _message("numpy", call)
