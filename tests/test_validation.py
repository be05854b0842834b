"""Tests for tinygradconv.validation: what each check accepts, and every error's type and full message."""

import doctest
import re

import numpy as np
import pytest

import tinygradconv as tg
from tinygradconv import validation as V


def test_doctests():
    result = doctest.testmod(V)
    assert result.attempted >= 20 and result.failed == 0


def raises(exc, message):
    """``pytest.raises`` matching the whole message literally."""
    return pytest.raises(exc, match="^" + re.escape(message) + "$")


# ------------------------------------------------------------------------------------------------ integer
def test_integer_accepts():
    assert V.integer(3, "units") == 3
    value = V.integer(np.int64(4), "units")
    assert value == 4 and type(value) is int
    assert V.integer(0, "epochs", minimum=0) == 0
    assert V.integer(True, "units", allow_bool=True) == 1
    assert V.integer(None, "seed", minimum=0, optional=True) is None
    assert V.integer(-3, "axis", minimum=None) == -3


@pytest.mark.parametrize("value, kwargs, exc, message", [
    (0, {}, ValueError, ("Invalid value for argument `units`. Expected a strictly positive integer. "
                         "Received units=0")),
    (-1, {"minimum": 0}, ValueError,
     "Invalid value for argument `units`. Expected a non-negative integer. Received units=-1"),
    (2, {"minimum": 3}, ValueError, ("Invalid value for argument `units`. Expected an integer >= 3. "
                                     "Received units=2")),
    (-1, {"minimum": 0, "optional": True}, ValueError,
     "Invalid value for argument `units`. Expected a non-negative integer or None. Received units=-1"),
    (True, {}, TypeError, ("Invalid type for argument `units`. Expected a strictly positive integer, not a bool. "
                           "Received units=True")),
    (2.0, {}, TypeError, ("Invalid type for argument `units`. Expected a strictly positive integer. "
                          "Received units=2.0 of type float")),
    ("2", {}, TypeError, ("Invalid type for argument `units`. Expected a strictly positive integer. "
                          "Received units='2' of type str")),
    (None, {}, TypeError,
     ("Invalid type for argument `units`. Expected a strictly positive integer. "
      "Received units=None of type NoneType")),
    (2.5, {"type_error": ValueError}, ValueError,
     ("Invalid value for argument `units`. Expected a strictly positive integer. "
      "Received units=2.5 of type float")),
    (False, {"type_error": ValueError}, ValueError,
     ("Invalid value for argument `units`. Expected a strictly positive integer, not a bool. "
      "Received units=False")),
])
def test_integer_rejects(value, kwargs, exc, message):
    with raises(exc, message):
        V.integer(value, "units", **kwargs)


# ------------------------------------------------------------------------------------------------ one-integer tuples
def test_normalize_int_accepts():
    assert V.normalize_int(3, "kernel_size") == 3
    assert V.normalize_int((3,), "kernel_size") == 3
    assert V.normalize_int([2], "strides") == 2
    assert V.normalize_int(np.int64(4), "strides") == 4 and type(V.normalize_int(np.int64(4), "strides")) is int
    assert V.normalize_int(0, "output_padding", allow_zero=True) == 0
    assert V.normalize_int(True, "strides", allow_bool=True) == 1


@pytest.mark.parametrize("value, exc, message", [
    (0, ValueError, ("Invalid value for argument `strides`. Expected a strictly positive integer. "
                     "Received strides=0")),
    (-2, ValueError, ("Invalid value for argument `strides`. Expected a strictly positive integer. "
                      "Received strides=-2")),
    ((0,), ValueError,
     "Invalid value for argument `strides`. Expected a strictly positive integer. Received strides=(0,)"),
    ((2, 2), ValueError,
     ("Invalid value for argument `strides`. Expected an integer or a tuple of 1 integer. "
      "Received strides=(2, 2)")),
    ((), ValueError, ("Invalid value for argument `strides`. Expected an integer or a tuple of 1 integer. "
                      "Received strides=()")),
    (2.0, TypeError, ("Invalid type for argument `strides`. Expected a strictly positive integer. "
                      "Received strides=2.0 of type float")),
    ([2.5], TypeError,
     ("Invalid type for argument `strides`. Expected a strictly positive integer. "
      "Received strides=[2.5] of type float")),
    ("2", TypeError, ("Invalid type for argument `strides`. Expected a strictly positive integer. "
                      "Received strides='2' of type str")),
    (None, TypeError,
     ("Invalid type for argument `strides`. Expected a strictly positive integer. "
      "Received strides=None of type NoneType")),
    (True, TypeError, ("Invalid type for argument `strides`. Expected a strictly positive integer, not a bool. "
                       "Received strides=True")),
])
def test_normalize_int_rejects(value, exc, message):
    with raises(exc, message):
        V.normalize_int(value, "strides")


def test_normalize_output_padding():
    assert V.normalize_output_padding(None) is None
    assert V.normalize_output_padding(0) == 0
    assert V.normalize_output_padding([1]) == 1
    with raises(ValueError, "Invalid value for argument `output_padding`. Expected a non-negative integer. "
                            "Received output_padding=-1"):
        V.normalize_output_padding(-1)


def test_standardize_tuple_accepts():
    assert V.standardize_tuple(3, "kernel_size") == (3,)
    assert V.standardize_tuple([np.int64(2)], "strides") == (2,)
    assert type(V.standardize_tuple([np.int64(2)], "strides")[0]) is int
    assert V.standardize_tuple(0, "output_padding", allow_zero=True) == (0,)


@pytest.mark.parametrize("value, kwargs, exc, message", [
    (3.0, {}, ValueError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                           "Received kernel_size=3.0 of type float")),
    ((3, 3), {}, ValueError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                              "Received kernel_size=(3, 3)")),
    (np.int64(3), {}, ValueError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                                   "Received kernel_size=3 of type numpy.int64 (only a Python int or a list of one "
                                   "integer is accepted here, as in Keras: pass int(kernel_size))")),
    ("3", {}, TypeError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                          "Received kernel_size='3' of type "
                          "str")),       # quoted: found by a tester ("kernel_size=3 of type str")
    (["3"], {}, TypeError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                            "Received kernel_size=['3'], "
                            "including element '3' of type <class 'str'>")),
    ([3.0], {}, ValueError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                             "Received kernel_size=[3.0], "
                             "including element 3.0 of type <class 'float'>")),
    (0, {}, ValueError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                         "Received kernel_size=0, including "
                         "values {0} that do not satisfy `value > 0`")),
    (-1, {"allow_zero": True}, ValueError, ("The `kernel_size` argument must be a tuple of 1 integers. "
                                            "Received "
                                            "kernel_size=-1, including values {-1} that do not satisfy `value >= 0`")),
])
def test_standardize_tuple_rejects(value, kwargs, exc, message):
    with raises(exc, message):
        V.standardize_tuple(value, "kernel_size", **kwargs)


# ------------------------------------------------------------------------------------------------ padding names
def test_normalize_padding():
    assert V.normalize_padding("Valid") == "valid"
    assert V.normalize_padding("CAUSAL") == "causal"
    with raises(ValueError, "Invalid value for argument `padding`. Expected one of ('valid', 'same'). "
                            "Received padding='causal'"):
        V.normalize_padding("causal", V.TRANSPOSE_PADDINGS)
    with raises(ValueError, "Invalid value for argument `padding`. Expected one of ('valid', 'same', 'causal'). "
                            "Received padding=' same'"):
        V.normalize_padding(" same")
    with raises(TypeError, "Invalid type for argument `padding`. Expected a string, one of ('valid', 'same', "
                           "'causal'). Received padding=None of type NoneType"):
        V.normalize_padding(None)


def test_standardize_padding():
    assert V.standardize_padding("Same", V.TRANSPOSE_PADDINGS) == "same"
    with raises(ValueError, "The `padding` argument must be a list/tuple or one of {'valid', 'same'}. "
                            "Received: causal"):
        V.standardize_padding("Causal", V.TRANSPOSE_PADDINGS)
    with raises(TypeError, "The `padding` argument must be one of {'valid', 'same'}; explicit (list/tuple) padding "
                           "is not supported by this layer. Received: padding=[1, 1]"):
        V.standardize_padding([1, 1], V.TRANSPOSE_PADDINGS)
    with raises(TypeError, "The `padding` argument must be a string, one of {'valid', 'same'}. Received: "
                           "padding=None of type NoneType"):
        V.standardize_padding(None, V.TRANSPOSE_PADDINGS)


# ------------------------------------------------------------------------------------------------ axes
def test_axis_index():
    assert [V.axis_index(a, 3, "concat") for a in (-3, -1, 0, 2)] == [0, 2, 0, 2]
    assert V.axis_index(np.int64(1), 2, "concat") == 1
    with raises(ValueError, ("concat: axis 2 is out of range for a tensor with 2 dimensions. "
                             "Received: axis=2")):
        V.axis_index(2, 2, "concat")
    with raises(ValueError, ("softmax: axis 0 is out of range for a tensor with 0 dimensions. "
                             "Received: axis=0")):
        V.axis_index(0, 0, "softmax")
    with raises(TypeError, "concat: axis must be an integer. Received axis=1.5"):
        V.axis_index(1.5, 2, "concat")
    with raises(TypeError, "concat: axis must be an integer. Received axis=True"):
        V.axis_index(True, 2, "concat")


def test_reduction_axes():
    assert V.reduction_axes(None, 3, "sum") == (0, 1, 2)
    assert V.reduction_axes([-1, 0], 3, "sum") == (0, 2)
    # a rank-0 tensor accepts axis 0 and -1 and reduces nothing, as in PyTorch
    assert V.reduction_axes(0, 0, "sum") == () and V.reduction_axes(-1, 0, "sum") == ()
    with pytest.raises(ValueError, match="axis 1 is out of range"):
        V.reduction_axes(1, 0, "sum")
    with raises(ValueError, ("mean: axis 2 is out of range for a tensor with 2 dimensions. "
                             "Received: axis=(0, 2)")):
        V.reduction_axes((0, 2), 2, "mean")
    with raises(ValueError, "sum: axis contains a repeated axis: (0, -2)"):
        V.reduction_axes((0, -2), 2, "sum")
    with raises(TypeError, "sum: axis must be an int, a tuple of ints or None. Received axis=1.5"):
        V.reduction_axes(1.5, 2, "sum")
    with raises(TypeError, "sum: axis must be an int, a tuple of ints or None. Received axis=(0, True)"):
        V.reduction_axes((0, True), 2, "sum")


def test_axis_argument():
    assert V.axis_argument(None) is None
    assert V.axis_argument(np.int64(1)) == 1
    assert V.axis_argument((0, 1)) == [0, 1]
    with raises(TypeError, "Invalid type for argument `axis`. Expected an integer, a list or tuple of integers, or "
                           "None. Received axis=[0, '1'] of type list (the item '1' is of type str)"):
        V.axis_argument([0, "1"])
    with pytest.raises(TypeError, match=r"Received axis=1\.5 of type float$"):
        V.axis_argument(1.5)


# ------------------------------------------------------------------------------------------------ numbers
def test_number_accepts_and_keeps_the_value():
    assert V.number(2, "max_value", low=0) == 2 and type(V.number(2, "max_value", low=0)) is int
    assert V.number(np.float32(0.5), "rate", low=0, high=1) == np.float32(0.5)
    assert V.number(0.0, "beta_1", low=0, high=1, high_open=True) == 0.0
    assert V.number(float("inf"), "clipnorm", low=0, low_open=True) == float("inf")


@pytest.mark.parametrize("value, kwargs, exc, message", [
    ("1", {}, TypeError, "Invalid type for argument `x`. Expected a number. Received x='1'"),
    (True, {}, TypeError, "Invalid type for argument `x`. Expected a number. Received x=True"),
    (None, {"type_error": ValueError}, ValueError, ("Invalid value for argument `x`. Expected a number. "
                                                    "Received x=None")),
    (float("nan"), {}, ValueError, "Invalid value for argument `x`. Expected a number. Received x=nan"),
    (float("inf"), {"finite": True}, ValueError,
     "Invalid value for argument `x`. Expected a finite number. Received x=inf"),
    (-1, {"low": 0}, ValueError, "Invalid value for argument `x`. Expected a number >= 0. Received x=-1"),
    (0, {"low": 0, "low_open": True}, ValueError, ("Invalid value for argument `x`. Expected a number > 0. "
                                                   "Received x=0")),
    (2, {"high": 1}, ValueError, "Invalid value for argument `x`. Expected a number <= 1. Received x=2"),
    (1, {"high": 1, "high_open": True}, ValueError,
     "Invalid value for argument `x`. Expected a number < 1. Received x=1"),
    (1.0, {"low": 0, "high": 1, "high_open": True}, ValueError,
     "Invalid value for argument `x`. Expected a number in [0, 1). Received x=1.0"),
    (0.0, {"low": 0, "high": 1, "low_open": True}, ValueError,
     "Invalid value for argument `x`. Expected a number in (0, 1]. Received x=0.0"),
    (-0.5, {"low": 0, "finite": True, "expected": "a non-negative float"}, ValueError,
     "Invalid value for argument `x`. Expected a non-negative float. Received x=-0.5"),
])
def test_number_rejects(value, kwargs, exc, message):
    with raises(exc, message):
        V.number(value, "x", **kwargs)


@pytest.mark.parametrize("make, argument", [
    (lambda: tg.optimizers.SGD(momentum=0.9, nesterov="no"), "nesterov"),
    (lambda: tg.optimizers.Adam(amsgrad="no"), "amsgrad"),
    (lambda: tg.optimizers.RMSprop(centered=1), "centered"),
    (lambda: tg.callbacks.EarlyStopping(restore_best_weights="yes"), "restore_best_weights"),
    (lambda: tg.callbacks.ModelCheckpoint("m.tgc.npz", save_best_only="False"), "save_best_only"),
    (lambda: tg.callbacks.ModelCheckpoint("m.weights.npz", save_weights_only=0), "save_weights_only"),
    (lambda: tg.callbacks.CSVLogger("log.csv", append="no"), "append"),
    (lambda: tg.layers.BatchNormalization()(np.array([[1.0], [3.0]], "float32"), training="False"), "training"),
    (lambda: tg.layers.Dense(2)(np.ones((1, 3), "float32"), training=1), "training"),
    (lambda: tg.layers.Dense(2).add_weight((2,), trainable="no", name="w"), "trainable"),
])
def test_more_flags_take_only_true_or_false(make, argument):
    """Found by a tester: the string "no" switched Nesterov and AMSGrad on, and ``training="False"`` ran batch
    normalization in training mode; every bool argument now takes only True/False (``training`` also None)."""
    with pytest.raises(TypeError, match=rf"`{argument}`. Expected True or False"):
        make()


def test_training_none_and_numpy_bools_are_fine():
    layer = tg.layers.BatchNormalization()
    x = np.array([[1.0], [3.0]], "float32")
    np.testing.assert_allclose(layer(x, training=np.bool_(True)).numpy().ravel(), [-0.9995, 0.9995], atol=1e-4)
    np.testing.assert_array_equal(layer(x, training=None).numpy(), layer(x, training=False).numpy())


@pytest.mark.parametrize("cls", ["ExponentialDecay", "InverseTimeDecay"])
def test_staircase_takes_only_true_or_false(cls):
    """The string "False" meant a staircase, silently."""
    with pytest.raises(TypeError, match="`staircase`. Expected True or False"):
        getattr(tg.optimizers.schedules, cls)(0.1, 10, 0.5, staircase="False")


@pytest.mark.parametrize("call, error, message", [
    (lambda: tg.tensor([1.0]) + 1j, TypeError, "complex number 1j"),
    (lambda: tg.tensor([1.0]) ** 1j, TypeError, "complex number 1j"),
    (lambda: tg.ops.pad(tg.tensor([1, 2], dtype="int64"), ((1, 0),), value=0.5), TypeError, "`value` of pad: 0.5"),
    (lambda: tg.ops.pad(tg.tensor([1, 2], dtype="uint8"), ((1, 0),), value=300), ValueError, "`value` of pad: 300"),
    (lambda: tg.layers.Dense(2).build(3), TypeError, "input shape is a tuple of dimensions"),
    (lambda: tg.layers.Conv1D(2, 3).build(3), TypeError, "input shape is a tuple of dimensions"),
])
def test_more_bad_input_is_named(call, error, message):
    """Found by a tester: Python's float() message, a silent 0 for a pad value of 0.5 on integers (``t.fill_(0.5)`` is
    refused), and "object of type 'int' has no len()"."""
    with pytest.raises(error, match=message):
        call()


def test_set_weights_names_the_weight_that_gets_strings():
    layer = tg.layers.Dense(2)
    layer.build((None, 3))
    with pytest.raises(TypeError, match=r"weight 'dense\S*/kernel' takes numbers.*<U1"):
        layer.set_weights([np.full((3, 2), "a"), np.zeros(2)])


def test_pad_of_integers_with_a_whole_value_keeps_the_dtype():
    """By hand: 3 fits int64 and uint8; a bool tensor takes 0 and 1."""
    np.testing.assert_array_equal(tg.ops.pad(tg.tensor([1, 0], dtype="uint8"), ((1, 0),), value=3).numpy(), [3, 1, 0])
    assert tg.ops.pad(tg.tensor([True], dtype="bool"), ((1, 0),), value=0).numpy().tolist() == [False, True]


@pytest.mark.parametrize("call", [lambda x: x.max(axis=2), lambda x: x.sum(axis=-3), lambda x: x.mean(axis=(0, 5)),
                                  lambda x: tg.ops.concat([x, x], axis=2)])
def test_an_axis_out_of_range_is_both_a_value_error_and_an_index_error(call):
    """As NumPy's AxisError: ``except ValueError`` (NumPy, Keras) and ``except IndexError`` (PyTorch's "Dimension
    out of range") both catch it; the message names the op, the axis and the rank."""
    x = tg.tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=r"axis -?\d is out of range for a tensor with 2 dimensions") as error:
        call(x)
    assert isinstance(error.value, ValueError) and isinstance(error.value, V.AxisError)


@pytest.mark.parametrize("call, name", [(lambda x: x.sum(dim=5), "dim"), (lambda x: x.mean(dim=-9), "dim"),
                                        (lambda x: x.argmax(axis=5), "axis"), (lambda x: x.argmin(dim=2), "dim"),
                                        (lambda x: x.squeeze(5), "dim"), (lambda x: x.unsqueeze(4), "dim")])
def test_a_dim_out_of_range_is_the_same_axis_error(call, name):
    """A tester found ``x.sum(dim=5)`` raising a plain ``IndexError`` where ``x.sum(axis=5)`` raises the
    ``AxisError``: both spellings now raise it (``IndexError`` as PyTorch, ``ValueError`` as NumPy), naming the
    argument given (a second tester found ``argmax(axis=5)`` told about `dim`)."""
    x = tg.tensor(np.zeros((2, 3)))
    with pytest.raises(IndexError, match=rf"Dimension out of range: `{name}` must be in \[-\d, \d\]") as error:
        call(x)
    assert isinstance(error.value, ValueError) and isinstance(error.value, V.AxisError)
