"""Element-wise ops with NumPy broadcasting.

Each op states its local derivative right beside its forward. Gradients of broadcast inputs are summed back to the
input's shape by :func:`unbroadcast`.
"""
from __future__ import annotations

import contextlib
import math
import numbers
import warnings

import numpy as np

from .. import config
from ..autograd import Function, Sample, register_op
from ..backend import dtype_name
from ..tensor import _FLOAT_KINDS, Tensor, _check_dtype, _number_fits
from ..validation import caller_stacklevel, float16_holds
from .summation import accurate_sum


def unbroadcast(xp, grad, shape):
    """Sum ``grad`` over the axes that broadcasting added or stretched, giving an array of ``shape``.

    A float16 ``grad`` is summed in float32 and rounded once to float16 (:func:`_in_float32`), as PyTorch's CPU
    ``sum_to_size``; NumPy's own float16 sum rounds its partial sums.

    >>> import numpy as np
    >>> unbroadcast(np, np.ones((2, 3)), (3,)).tolist()
    [2.0, 2.0, 2.0]
    """
    if grad.shape == shape:
        return grad
    return _in_float32(xp, lambda g: _summed_to(xp, g, shape), grad)


def _summed_to(xp, grad, shape):
    """``grad`` summed over the leading axes it has beyond ``shape`` and over the axes where ``shape`` has 1
    (pairwise along every axis, :func:`.summation.accurate_sum`: a bias's gradient sums down the batch)."""
    extra = grad.ndim - len(shape)
    if extra:
        grad = accurate_sum(xp, grad, axis=tuple(range(extra)))
    axes = tuple(i for i, n in enumerate(shape) if n == 1 and grad.shape[i] != 1)
    if axes:
        grad = accurate_sum(xp, grad, axis=axes, keepdims=True)
    return grad


#: float32: the float dtype that Keras 3 gives the float math of integer and bool tensors whatever ``floatx()`` is
#: (``keras.ops.sqrt``, ``ops.mean``, ``ops.divide`` and ``activations.sigmoid`` of int32 are float32 under
#: ``floatx()`` float64 or float16), and that this package's Keras paths keep: the activations
#: (:mod:`tinygradconv.activations`) and ``GlobalAveragePooling1D``. The tensor ops follow PyTorch instead
#: (:func:`float_input`): ``floatx()``, as PyTorch follows its default dtype.
INTEGER_MATH_DTYPE = "float32"


def float_input(xp, a):
    """``a`` itself when floating, else ``a`` converted to :func:`~tinygradconv.config.floatx` (float32 by default),
    the dtype the float math ops (``exp``, ``sqrt``, ``sin``, ``sigmoid``, ``tanh``, ``log``, ``logsumexp``, ...),
    the true division and the mean compute an integer or bool tensor in and return, as PyTorch computes them in its
    default dtype (``torch.sqrt(torch.tensor([4]))`` is float32, and float64 after
    ``torch.set_default_dtype(torch.float64)``; float16 after ``set_default_dtype(torch.float16)``, where
    ``int32 70000 / 1`` is ``inf`` in both). Keras 3 gives float32 whatever ``floatx()`` is
    (:data:`INTEGER_MATH_DTYPE`, which the Keras paths keep). NumPy's own rule (``np.exp``: float16 for bool and
    8-bit integers, float64 for 32- and 64-bit ones) lost precision silently for 8-bit inputs (``sqrt(uint8(250))``
    was float16 15.81; found by a tester). It also comes before an op negates, subtracts or divides ``a``:
    ``-uint8(1)`` would wrap to 255, and NumPy refuses ``-`` on bool (found by a tester: ``sigmoid(uint8([1, 2]))``
    was ``[0, 0]``).

    >>> import numpy as np
    >>> from tinygradconv import config
    >>> str(float_input(np, np.array([1, 2], "int32")).dtype)
    'float32'
    >>> config.set_floatx("float64")
    >>> try:
    ...     print(float_input(np, np.array([1, 2], "int32")).dtype, float_input(np, np.ones(1, "float16")).dtype)
    ... finally:
    ...     config.set_floatx("float32")
    float64 float16
    """
    return a if xp.isdtype(a.dtype, "real floating") else xp.astype(a, getattr(xp, config.floatx()))


def _refuse_bools(xp, a, op):
    """A ``TypeError`` naming the argument ``x`` for a bool array given to ``op``, which PyTorch does not define for
    bools (``relu``, ``abs``)."""
    if a.dtype == xp.bool:
        raise TypeError(f"Invalid type for argument `x` of {op}: a bool tensor; {op} is not defined for bools (as "
                        "in PyTorch). Expected a float or integer tensor: cast it first, e.g. x.astype('float32')")


def promoted_dtype(*dtypes):
    """The dtype name of ``a + b`` (and of ``-``, ``*``, ``@``, ``maximum``, ``where``, ``concat``, ...) for
    operands of ``dtypes`` (two or more dtypes or names), as PyTorch and Keras 3 promote tensors:

    * beside a float dtype, an integer or bool one takes the float's (``int64`` and ``float32``: float32;
      ``int64`` and ``float16``: float16), as ``torch.add``, ``torch.cat``, ``keras.ops.add`` and
      ``keras.ops.concatenate`` give it (NumPy's ``int64 + float32`` would be float64);
    * two float dtypes give the wider (``float16`` and ``float32``: float32);
    * beside a bool, a number dtype keeps its own (the bool's values are 0 and 1);
    * two integer dtypes give NumPy's result type (``int8`` and ``uint8``: int16; ``int8`` and ``uint64``:
      float64), which PyTorch's is for the dtypes it has.

    More than two dtypes promote pairwise, in any order (``[int8, uint8, float16]``: float16).
    :func:`promoted` casts arrays by it; ``x.add(y, alpha=...)`` scales ``y`` in it.

    >>> promoted_dtype("bool", "int8"), promoted_dtype("float16", "float32"), promoted_dtype("int64", "float32")
    ('int8', 'float32', 'float32')
    >>> promoted_dtype("int8", "uint8"), promoted_dtype("uint8", "int16", "float16")
    ('int16', 'float16')
    """
    result = dtype_name(dtypes[0])
    for dtype in dtypes[1:]:
        result = _two_promoted(result, dtype_name(dtype))
    return result


def _two_promoted(first, second):
    """:func:`promoted_dtype` of two dtype names."""
    if first == second or second == "bool":
        return first
    if first == "bool":
        return second
    first_floats, second_floats = first in _FLOAT_KINDS, second in _FLOAT_KINDS
    if first_floats != second_floats:        # an integer beside a float: the float's dtype (PyTorch, Keras 3)
        return first if first_floats else second
    return np.result_type(first, second).name


def promoted(xp, a, b):
    """``a`` and ``b`` cast to :func:`promoted_dtype` of their dtypes when they differ, so that every backend
    computes in the same dtype: an integer or bool array beside a float one is cast to the float's dtype
    (``int64 * float32`` is float32, as in PyTorch and Keras 3; array-api-strict refuses mixed kinds, and NumPy and
    CuPy would compute float64). A bool array beside a number array is cast to the other's dtype (its values 0 and
    1), as NumPy and PyTorch promote it (array-api-strict refused ``bool + int64`` with "Only numeric dtypes are
    allowed"). Two integer arrays whose result type is neither of theirs are cast to it (``int8`` and ``uint64``:
    float64; ``int8`` and ``uint8``: int16), which array-api-strict refused for uint64. Two floating arrays of
    different widths are both cast to the wider (``float16`` and ``float32``: float32), as NumPy computes their sum
    or product, so that a backward pass working on the saved operands computes in the result's precision as
    PyTorch's does: the log of a float16 base in ``a ** b`` was taken in float16, and the float32 exponent's
    gradient had float16's precision. Others are returned as they are. On array-api-strict, which has no float16,
    float16 is float32."""
    if a.dtype == b.dtype:
        return a, b
    names = dtype_name(a.dtype), dtype_name(b.dtype)
    name = promoted_dtype(*names)
    if name in names and not any(n in _FLOAT_KINDS or n == "bool" for n in names):
        return a, b                          # two integers, one of them the result: every backend promotes them
    return _cast_to(xp, a, name), _cast_to(xp, b, name)


def _cast_to(xp, a, name):
    """``a`` as the dtype ``name`` (float32 for float16 on array-api-strict, which has none), without a copy when
    it already is."""
    if dtype_name(a.dtype) == name:
        return a
    return xp.astype(a, getattr(xp, name if hasattr(xp, name) else "float32"))


def dtype_beside(other, dtype):
    """The dtype (a name, or None for the package's default, float32) that ``other``, a number list, tuple or
    array that is not a tensor, takes beside a tensor of ``dtype`` (:meth:`~tinygradconv.tensor.Tensor._lift`):
    the tensor's own, unless that would change its numbers (:func:`numbers_an_integer_dtype_would_change`); then
    int64 for integers beside a bool tensor (``mask + [2, 3]``, as torch beside a tensor of them), else float32.

    >>> dtype_beside([2, 3], "int8"), dtype_beside([2, 3], "bool"), dtype_beside([1.5], "int64")
    ('int8', 'int64', None)
    """
    if not numbers_an_integer_dtype_would_change(other, dtype):
        return dtype_name(dtype)
    if dtype_name(dtype) == "bool" and np.asarray(other).dtype.kind in "iu":
        return "int64"
    return None


def numbers_an_integer_dtype_would_change(other, dtype):
    """Whether ``other``, a list or tuple, holds numbers that casting to the integer or bool ``dtype`` would
    change: floats (``1.5`` would become 1) or integers out of its range (``257`` in uint8), or, for bool, any number
    that is not a bool (``2`` would become True). A tensor combined with such a list takes it as numbers of their own
    (float32) instead of casting it to its dtype, as PyTorch does for a tensor of those numbers (``int_t == [1.5, 2,
    3]`` had compared with ``[1, 2, 3]``; ``uint8_t == [257]`` was Python's ``False``: found by a reviewer;
    ``mask + [2, 3]`` was the bool ``[True, True]``).

    >>> numbers_an_integer_dtype_would_change([1.5, 2], "int64"), numbers_an_integer_dtype_would_change([2], "int8")
    (True, False)
    >>> numbers_an_integer_dtype_would_change([2, 0], "bool"), numbers_an_integer_dtype_would_change([True], "bool")
    (True, False)
    """
    name = dtype_name(dtype)
    if not isinstance(other, (list, tuple)) or not name.startswith(("int", "uint", "bool")):
        return False
    try:
        values = np.asarray(other)
    except (ValueError, TypeError, OverflowError):              # ragged, or not numbers: the usual path says so
        return False
    if name == "bool":
        return values.dtype != np.bool_ and values.size > 0
    if values.dtype.kind == "f":
        return True
    if values.dtype.kind in "iu" and values.size:
        info = np.iinfo(name)
        return bool(values.min() < info.min or values.max() > info.max)
    return values.dtype.kind == "O"                              # Python ints beyond int64


def broadcast_error(name, *arrays):
    """The ``ValueError`` for operands whose shapes do not broadcast, naming every shape."""
    shapes = " and ".join(str(tuple(a.shape)) for a in arrays)
    return ValueError(f"{name}: operands of shapes {shapes} cannot be broadcast together (NumPy rules: aligned "
                      "from the right, each pair of dimensions must be equal or one of them 1)")


def ieee754(xp):
    """A context in which IEEE 754 special results (``1/0 = inf``, ``0/0 = nan``, ``log(0) = -inf``) are computed
    silently, as PyTorch does: ``np.errstate`` for the NumPy-based namespaces (numpy, array_api_strict), which
    would otherwise print ``RuntimeWarning: divide by zero``; nothing for the others (CuPy never warns).
    ``backward`` runs whole passes in it and the optimizers their updates; every op's forward is already silent
    (``Function.apply`` switches the same warnings off more cheaply, per op).

    >>> import numpy as np
    >>> with ieee754(np):
    ...     float(np.float64(1.0) / np.float64(0.0))
    inf
    """
    if getattr(xp, "__name__", "").startswith(("numpy", "array_api_compat.numpy", "array_api_strict")):
        return np.errstate(divide="ignore", invalid="ignore", over="ignore")
    return contextlib.nullcontext()


# ------------------------------------------------------------------------------------------- branch-free where
# `np.where(mask, x, y)` picks each element with a branch. Where the mask changes at random (the signs of a layer's
# pre-activations: half negative, in no order) the CPU mispredicts half of them: on 1e6 float32 values
# `np.where(a < 0, 0.0, a)` took 4.0 ms where `np.maximum(a, 0)` takes 0.4 ms (on a sorted mask, 0.7 ms), and
# relu was as slow as all of an MLP's matrix products (found by a tester). The same choice made on the values' bit
# patterns, as unsigned integers of the same size, has no branch and returns exactly the same values (NaN,
# infinities, -0.0 included: no arithmetic touches the numbers): 0.3 ms for `keep_where`, 0.65 ms for `choose`.
# Other backends (array_api_strict, CuPy on a GPU) use their own `where`.
_UNSIGNED = {1: np.uint8, 2: np.uint16, 4: np.uint32, 8: np.uint64}


def _bits_dtype(mask, *arrays):
    """The unsigned dtype whose bit patterns stand for the NumPy ``arrays`` (all of one dtype), or None where the
    branch-free path does not apply: another backend, a mask that is not bool, or a size without such a dtype."""
    if not (type(mask) is np.ndarray and mask.dtype == np.bool_ and all(type(x) is np.ndarray for x in arrays)):
        return None
    return _UNSIGNED.get(arrays[0].itemsize)


def keep_where(xp, mask, x):
    """``where(mask, x, 0)``: ``x`` where ``mask`` holds, else a zero of ``x``'s dtype (``+0.0`` for floats).

    On NumPy, without a branch: ``x``'s bit pattern (``x.view(uint32)`` for float32: the same bytes read as unsigned
    integers, no copy) times 1 (kept) or 0 (the pattern of ``+0.0``, of ``0``, of ``False``), so that a NaN or an
    infinite ``x`` where ``mask`` is False gives 0 (a product ``x * mask`` would give NaN there: PyTorch's
    ``threshold_backward`` gives 0).

    >>> import numpy as np
    >>> keep_where(np, np.array([True, False, False, True]), np.array([-0.0, np.nan, -np.inf, 2.5])).tolist()
    [-0.0, 0.0, 0.0, 2.5]
    """
    bits = _bits_dtype(mask, x)
    if bits is None:
        return xp.where(mask, x, xp.zeros((), dtype=x.dtype, device=x.device))
    return np.asarray(np.multiply(x.view(bits), mask, dtype=bits)).view(x.dtype)   # (0-d: an array, as where's)


def choose(xp, mask, x, y):
    """``where(mask, x, y)`` of two arrays of one dtype (broadcast together with ``mask``).

    On NumPy, without a branch, on the bit patterns: ``y ^ ((x ^ y) * mask)`` is ``y ^ 0 = y`` where ``mask`` is
    False and ``y ^ x ^ y = x`` where it holds (``^`` exclusive or, bit by bit).

    >>> import numpy as np
    >>> choose(np, np.array([True, False, True]), np.array([1.0, 2.0, -0.0]), np.array(np.nan)).tolist()
    [1.0, nan, -0.0]
    """
    bits = _bits_dtype(mask, x, y)
    if bits is None or x.dtype != y.dtype:
        return xp.where(mask, x, y)
    x_bits, y_bits = x.view(bits), y.view(bits)
    differ = np.asarray(x_bits ^ y_bits)
    if differ.shape != np.broadcast_shapes(differ.shape, mask.shape):     # the mask broadcasts them further
        differ = np.multiply(differ, mask, dtype=bits)
    else:   # in place: one new array, not three (on a busy machine, fresh pages cost as much as the arithmetic)
        np.multiply(differ, mask, out=differ)
    return np.asarray(np.bitwise_xor(differ, y_bits, out=differ)).view(x.dtype)


# ------------------------------------------------------------------------------------------- sample inputs
# The special inputs of a real function: NaN, both zeros, both infinities, and ordinary values on either side.
SPECIAL_VALUES = (np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 0.5, -2.5, 3.0)


def special_values(*kinks):
    """A float64 array of :data:`SPECIAL_VALUES` plus the op's own kinks (and their neighbours at +-0.25)."""
    extra = [k + d for k in kinks for d in (0.0, -0.25, 0.25)]
    return np.array(SPECIAL_VALUES + tuple(extra), dtype=np.float64)


def edge_shapes(rng, arity=1):
    """Samples at the edges of shape: rank-0 operands, an empty operand, and (binary) a rank-0 with a vector."""
    n = rng.standard_normal
    if arity == 1:
        return [Sample((np.asarray(n()),)), Sample((np.zeros((0, 3)),)), Sample((np.zeros((2, 0)),))]
    return [Sample((np.asarray(n()), np.asarray(n()))), Sample((np.asarray(n()), n((3,)))),
            Sample((n((2, 3)), np.asarray(n()))), Sample((np.zeros((0, 3)), n((3,)))),
            Sample((np.zeros((2, 0)), np.zeros((1, 0))))]


def unary_special_points(*kinks, low=None):
    """Special points of an element-wise op: every special value and kink, a rank-0 NaN, edge shapes."""

    def special_points(rng):
        x = special_values(*kinks)
        if low is not None:  # also just inside the domain's edge
            x = np.concatenate([x, [low, low + 1e-3]])
        return [Sample((x,)), Sample((np.asarray(np.nan),)), Sample((np.asarray(-0.0),)), *edge_shapes(rng)]

    return special_points


def binary_special_points(a_values=None, b_values=None):
    """Special points of an element-wise binary op: every pair of special values (ties included), edge shapes."""

    def special_points(rng):
        a = np.array(a_values if a_values is not None else SPECIAL_VALUES, dtype=np.float64)
        b = np.array(b_values if b_values is not None else SPECIAL_VALUES, dtype=np.float64)
        pairs = (np.repeat(a, b.size), np.tile(b, a.size))
        return [Sample(pairs), Sample((pairs[0][:4].reshape(2, 2), np.array([np.nan, 0.0]))),
                *edge_shapes(rng, arity=2)]

    return special_points


def _binary_samples(positive_b=False, positive_a=False):
    def samples(rng):
        def draw(shape, positive):
            x = rng.standard_normal(shape)
            return np.abs(x) + 0.5 if positive else x

        return [
            Sample((draw((3, 4), positive_a), draw((3, 4), positive_b))),
            Sample((draw((2, 3), positive_a), draw((3,), positive_b))),  # broadcast the second
            Sample((draw((2, 1, 3), positive_a), draw((4, 1), positive_b))),  # broadcast both
            Sample((draw((), positive_a), draw((), positive_b))),  # rank 0
            Sample((draw((), positive_a), draw((3,), positive_b))),  # rank 0 with a vector
            Sample((draw((0, 3), positive_a), draw((3,), positive_b))),  # empty
        ]

    return samples


def _unary_samples(low=None, high=None):
    def samples(rng):
        if low is None:
            x = rng.standard_normal((3, 4))
            x[np.abs(x) < 0.05] = 0.3  # keep away from kinks (abs, relu) for finite differences
            scalar = np.asarray(0.7)
        else:
            x = rng.uniform(low, high, (3, 4))
            scalar = np.asarray((low + high) / 2)
        return [Sample((x,)), Sample((scalar,)), Sample((np.zeros((0, 2)),))]

    return samples


# ------------------------------------------------------------------------------------------- binary ops
@register_op("add", samples=_binary_samples(), special_points=binary_special_points())
class Add(Function):
    """``a + b``; d/da = 1, d/db = 1."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promoted(ctx.xp, a, b)
        ctx.shapes = (a.shape, b.shape)
        try:      # two bools: or, as NumPy's and torch's + (array-api-strict refuses + on bools)
            return a + b if a.dtype != ctx.xp.bool or b.dtype != ctx.xp.bool else ctx.xp.logical_or(a, b)
        except ValueError:
            raise broadcast_error("add", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        return unbroadcast(ctx.xp, grad, sa), unbroadcast(ctx.xp, grad, sb)


# ------------------------------------------------------------------------------------------- bool operands
#: PyTorch's rules (2.13) for the arithmetic operators that refuse bool operands, one row per operator: what to
#: write instead of two bool operands (two bool tensors, or a bool tensor and a bool number) and PyTorch's words
#: there (with PyTorch's own quotes), and, where one bool operand is refused too, what to write instead of that
#: and PyTorch's words. ``-`` refuses any bool (NumPy refuses only two, and a bool beside a number would count as
#: 0 or 1); ``%``, ``//`` and ``**`` refuse two, and take a bool tensor beside a number of another kind as its 0 and 1
#: (:func:`bool_beside_number`); ``bool_t ** True`` is PyTorch's exception (:func:`_bool_power`). ``+`` and ``*``
#: of two bools are the logical or and and; they are not refused.
_MINUS_TWO_BOOLS = ('"Subtraction, the `-` operator, with two bool tensors is not supported. Use the `^` or '
                    '`logical_xor()` operator instead."')
_MINUS_ONE_BOOL = ('"Subtraction, the `-` operator, with a bool tensor is not supported. If you are trying to invert '
                   'a mask, use the `~` or `logical_not()` operator instead."')
_CAST_FIRST = "cast first, e.g. t.astype('int64')"
BOOL_OPERANDS = {
    "-": (("to compare two masks use `a ^ b` (logical xor); for numbers, cast first, e.g. "
           "a.astype('int64') - b.astype('int64')"), _MINUS_TWO_BOOLS,
          "to invert a mask use `~mask`; for its 0 and 1, cast it first, e.g. mask.astype('float32')", _MINUS_ONE_BOOL),
    "%": (_CAST_FIRST, "\"remainder_cpu\" not implemented for 'Bool'", None, None),
    "//": (_CAST_FIRST, "\"div_floor_cpu\" not implemented for 'Bool'", None, None),
    "**": (_CAST_FIRST, "\"pow\" not implemented for 'Bool'", None, None),
    # t.div(other, rounding_mode=...) (ops.rounded_division) takes bools as `//` does: refused between two bools
    "div(rounding_mode='floor')": (_CAST_FIRST, "\"div_floor_cpu\" not implemented for 'Bool'", None, None),
    "div(rounding_mode='trunc')": (_CAST_FIRST, "\"div_trunc_cpu\" not implemented for 'Bool'", None, None),
}


def float_mask_hint(kind):
    """The sentence every mask argument adds when it receives a floating tensor of dtype name ``kind``
    (``y[m]``, ``y.masked_fill(m, 0.0)``, ``tg.ops.where(m, y, 0.0)``, ``~m``, ``m & m``): a tensor built from
    Python bools, ``tg.tensor([True, False])``, is of the float type (float32 by default), as every tensor built from
    Python numbers here, where PyTorch's is bool; "" for any other dtype.

    >>> float_mask_hint("float32")[:62]
    ' A tensor built from Python bools, such as tg.tensor([True, Fa'
    >>> float_mask_hint("int64")
    ''
    """
    if not kind.startswith("float"):
        return ""
    return (f" A tensor built from Python bools, such as tg.tensor([True, False]), is {kind} here (every tensor built "
            f"from Python numbers is; PyTorch's would be bool): build a mask with dtype='bool' "
            f"(tg.tensor([True, False], dtype='bool')) or by a comparison (x > 0)")


def refuse_bool_operands(symbol, a_is_bool, b_is_bool, *, argument="", received=""):
    """A ``TypeError`` when the operands of ``symbol`` (``-``, ``%``, ``//``, ``**``) are bools (tensors or
    numbers) that PyTorch refuses there (:data:`BOOL_OPERANDS`, which quotes PyTorch's words): ``bool_t %
    bool_t``, ``bool_t - True``, ``f32_t - bool_t``. ``argument`` names the argument in the message where a method
    refuses it (``x.sub(mask, alpha=2)``: ``"`other` of sub"``), and ``received`` (a sentence) says what it
    received.

    >>> refuse_bool_operands("-", False, True, argument="`other` of sub")
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `other` of sub: `-` does not take a bool operand (as in PyTorch: ...); ...
    """
    two, torch_two, one, torch_one = BOOL_OPERANDS[symbol]
    where = f" {argument}" if argument else ""
    after = f" {received}" if received else ""
    if a_is_bool and b_is_bool:
        raise TypeError(f"Invalid type for argument{where}: `{symbol}` is not defined between two bool tensors, or a "
                        f"bool tensor and a bool (as in PyTorch: {torch_two}); {two}.{after}")
    if one is not None and (a_is_bool or b_is_bool):
        raise TypeError(f"Invalid type for argument{where}: `{symbol}` does not take a bool operand (as in PyTorch: "
                        f"{torch_one}); {one}.{after}")


def bool_beside_number(tensor, other):
    """``tensor`` for ``tensor % other``, ``other % tensor`` (and ``//``, ``**``): a bool tensor beside a number
    that is not a bool (``mask % 2``, ``2.5 // mask``) as its 0 and 1 in the dtype PyTorch computes and returns
    in, int64 beside an integer and :func:`~tinygradconv.config.floatx` (float32 by default; PyTorch: its default
    dtype) beside a float (torch: ``torch.tensor([True]) % 2`` is int64, ``% 2.0`` float32); any other tensor as it
    is (:func:`bool_tensor_dtype_beside`). Beside a bool number it
    stays bool (refused by :func:`refuse_bool_operands`)."""
    if tensor.dtype != tensor.backend.xp.bool or isinstance(other, (bool, np.bool_)) or \
            not isinstance(other, (numbers.Real, np.integer, np.floating)):
        return tensor
    return tensor.astype(bool_tensor_dtype_beside(other))


def bool_tensor_dtype_beside(number):
    """The dtype a bool tensor is taken in beside ``number``, a number that is not a bool, as PyTorch computes
    and returns it: int64 beside an integer, the float type beside a float (``torch.tensor([True]) + 2`` is int64,
    ``* 2.5`` float32, its default dtype; here :func:`~tinygradconv.config.floatx`, float32 by default, which plays
    that part: ``tg.tensor(2.5)`` is of it). The one place of that rule, read by :func:`bool_beside_number` (``%``,
    ``//``, ``**``) and by :func:`number_beside_integers` (``mask + 2``, ``mask * 2.5``, and ``int_t * 2.5``).

    >>> bool_tensor_dtype_beside(2), bool_tensor_dtype_beside(np.int8(2)), bool_tensor_dtype_beside(2.5)
    ('int64', 'int64', 'float32')
    """
    return "int64" if isinstance(number, numbers.Integral) else config.floatx()


def number_beside_integers(tensor, number):
    """``number``, a Python or NumPy number that the integer or bool ``tensor``'s dtype does not hold unchanged, as
    the constant tensor that ``tensor + number`` (every arithmetic operator, ``maximum``, ``minimum``, ``where``,
    either side) takes, as PyTorch promotes a tensor with a number (it takes a NumPy number as the Python number it
    holds):

    * a float (``2.5``, ``2.0``, ``np.float64(2.5)``, ``np.float16(2.5)``) is of the float type,
      :func:`~tinygradconv.config.floatx` (float32 by default; PyTorch: its default dtype), so the result is of it:
      ``int32_t * 2.5`` is float32 ``[2.5, 5.0, 7.5]``, and ``int32_t + 2.0`` float32 too, as ``torch`` and
      ``keras.ops.add`` give them (Keras' ``ops.divide`` gives float32 whatever ``floatx()`` is);
    * beside a bool tensor, an integer is int64 (``mask + 2``), as PyTorch's (:func:`bool_tensor_dtype_beside`);
    * an integer beyond an integer tensor's dtype (``int8_t + 200``, ``uint8_t * -1``) is a ``TypeError``: PyTorch
      wraps it into the dtype silently (``int8 [1] + 200`` is ``[-55]``), which this package does not;
      so is a NumPy bool beside a bool tensor.

    >>> import tinygradconv as tg
    >>> t = tg.tensor([1, 2, 3], dtype="int32")
    >>> (t * 2.5).tolist(), str((t + 2.0).dtype), str((2.5 - t).dtype)
    ([2.5, 5.0, 7.5], 'float32', 'float32')
    """
    from ..torch_methods import refuse_beyond_int64

    kind = dtype_name(tensor.dtype)
    if isinstance(number, (float, np.floating)) or (kind == "bool" and not isinstance(number, np.bool_)):
        dtype = bool_tensor_dtype_beside(number)
        refuse_beyond_int64(number, dtype)             # mask + 2**63 (NumPy: a bare OverflowError)
        return Tensor._make(tensor.backend.scalar(number, tensor.backend.dtype(dtype)), tensor.backend, False, None)
    raise TypeError(f"Invalid type for argument `other`: {article(kind)} {kind} tensor cannot be combined with the "
                    f"number {number!r}, which {kind} cannot hold ({_torch_beyond(number)}); cast the tensor first, "
                    f"e.g. {_wider_casts(kind, number)}")


def _torch_beyond(number):
    """What PyTorch does with an integer tensor beside the integer ``number`` its dtype cannot hold: it wraps one
    within int64's range into the dtype (``int8 [1] + 200`` is ``[-55]``), refuses a Python int beyond it
    (``OverflowError: int too big to convert``) and takes a NumPy ``uint64`` beyond it as a float (float32 result).

    >>> _torch_beyond(200), _torch_beyond(2**70)
    ('PyTorch wraps it into the dtype silently', 'PyTorch refuses it: "int too big to convert"')
    """
    if not _number_fits(int(number), "int64"):     # a NumPy uint64 beyond int64: torch takes it as a float
        return "PyTorch refuses it: \"int too big to convert\"" if isinstance(number, int) else \
            "PyTorch takes it as a float"
    return "PyTorch wraps it into the dtype silently"


def _wider_casts(kind, number):
    """The casts that :func:`number_beside_integers` suggests for an integer ``kind`` tensor beside ``number``, an
    integer it cannot hold: to the narrowest wider integer dtype that holds ``number`` and every ``kind`` value, and
    to float64 (``t.astype('int16') or t.astype('float64')`` for int8 and 200); float64 alone beyond int64
    (``2**70``; float32 would round most such integers further).

    >>> _wider_casts("int8", 200), _wider_casts("int64", 2**70)
    ("t.astype('int16') or t.astype('float64')", "t.astype('float64')")
    """
    info = np.iinfo(kind)
    for wider in ("int16", "int32", "int64"):
        if _number_fits(number, wider) and _number_fits(int(info.min), wider) and _number_fits(int(info.max), wider):
            return f"t.astype('{wider}') or t.astype('float64')"
    return "t.astype('float64')"


def article(kind):
    """"an" before the dtype name ``kind`` when it starts with a vowel sound (``int8``), else "a" (``uint8``,
    ``float32``, ``bool``): messages had said "a int32 tensor".

    >>> article("int32"), article("uint8")
    ('an', 'a')
    """
    return "an" if kind.startswith("int") else "a"


def _float_scalar(value):
    """The Python float that ``value`` is, for :func:`whole_number_to_write`: a float number (Python's or NumPy's),
    a 0-d NumPy array of a floating dtype, or a 0-d floating Tensor that does not require grad (its value is read:
    one it is a graph's would lose its gradient, and is left to the caller's refusal); None for anything else."""
    if isinstance(value, (float, np.floating)):
        return float(value)
    if isinstance(value, np.ndarray) and value.ndim == 0 and value.dtype.kind == "f":
        return float(value[()])
    if isinstance(value, Tensor) and value.ndim == 0 and not value.requires_grad and \
            dtype_name(value.dtype).startswith("float"):
        return float(value.item())
    return None


def whole_number_to_write(value, kind, argument="`value`", verb="be written into", range_argument=None):
    """``value`` as a write into a tensor of dtype name ``kind`` stores it (``t.fill_(3.0)``, ``t[0] = 3.0``,
    ``t.masked_fill(m, 3.0)``, ``pad(t, ..., value=3.0)``, ``full_like(t, 3.0)``, ``t.new_full(shape, 3.0)``):

    * into a floating tensor, and anything but a float (an int, a bool, an array of more than one element),
      ``value`` itself (the callers check an integer's range);
    * a float that holds an integer the integer dtype ``kind`` holds (``3.0``, ``np.float64(-2.0)``; ``0.0`` and
      ``1.0`` for bool): that integer (``False`` or ``True`` for bool), as PyTorch writes it. A 0-d floating NumPy
      array (``np.array(2.0)``) and a 0-d floating Tensor that does not require grad (``tg.tensor(2.0)``) are
      floats here too, as PyTorch takes them as it takes the number (``t[0] = torch.tensor(2.0)`` writes 2);
    * a whole number beyond the integer dtype's range (``300.0`` into int8, ``1e10`` or ``1e300`` into int32): the
      ``ValueError`` the integer ``300`` gets (:func:`out_of_range_error`), quoting ``value`` as passed and naming
      ``range_argument`` (``argument`` when None): one error whatever the spelling, as PyTorch raises one
      ``RuntimeError`` "value cannot be converted to type int8_t without overflow" for ``300`` and ``300.0``;
    * any other float (``3.7``, ``2.0`` into bool, an infinity, NaN): a ``TypeError`` that quotes ``value`` as
      passed, naming ``argument`` (``"`value` of masked_fill"``); ``verb`` says what the value does (``"fill"``:
      "2.5 cannot fill an int32 tensor unchanged"). PyTorch truncates ``3.7`` to 3 silently; this package writes
      only what the dtype holds unchanged. A ``TypeError``, as ``t += 0.5`` is refused (an integer dtype takes a
      float only when it is a whole number: the float is of the wrong type for it, and
      tests/test_error_wording.py asks "Invalid type for argument" of a ``TypeError``).

    >>> whole_number_to_write(3.0, "int32"), whole_number_to_write(3.7, "float16"), whole_number_to_write(1.0, "bool")
    (3, 3.7, True)
    >>> whole_number_to_write(1e10, "int32")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `value`: 10000000000.0 is out of the range of int32 [-2147483648, ...
    >>> whole_number_to_write(2.5, "int32")
    Traceback (most recent call last):
    ...
    TypeError: Invalid type for argument `value`: 2.5 cannot be written into an int32 tensor unchanged ...
    >>> whole_number_to_write(np.array(2.0), "int64"), whole_number_to_write(Tensor(-1.0), "int8")
    (2, -1)
    """
    number = None if kind.startswith("float") else _float_scalar(value)
    if number is None:
        return value
    if math.isfinite(number) and number.is_integer():
        whole = int(number)
        if kind == "bool" and whole in (0, 1):
            return bool(whole)
        if kind != "bool" and _number_fits(whole, kind):
            return whole
        if kind != "bool":                  # 300.0 into int8: refused as 300 is
            raise out_of_range_error(value, kind, range_argument or argument)
    if kind == "bool":
        raise TypeError(f"Invalid type for argument {argument}: {value!r} cannot {verb} a bool tensor unchanged "
                        f"(PyTorch makes any nonzero number True); write True or False (or 0 or 1)")
    info = np.iinfo(kind)
    raise TypeError(f"Invalid type for argument {argument}: {value!r} cannot {verb} {article(kind)} {kind} tensor "
                    f"unchanged (PyTorch truncates 2.5 to 2 silently); write an integer within {kind}'s range "
                    f"[{info.min}, {info.max}] (a float holding one, such as 3.0, is taken), e.g. int(value)")


def out_of_range_error(value, kind, argument):
    """The ``ValueError`` for a number ``value`` (quoted as passed: ``300``, ``300.0``, ``np.array(300)``, a list
    holding one) that the integer dtype ``kind`` cannot hold, written into a tensor of that dtype; ``argument``
    names it (``"`value` of fill_"``). PyTorch raises ``RuntimeError`` "value cannot be converted to type int8_t
    without overflow" for the numbers ``300`` and ``300.0`` alike (it wraps a few: ``-1`` fills uint8 as 255).

    >>> str(out_of_range_error(300.0, "int8", "`value` of fill_"))[:84]
    'Invalid value for argument `value` of fill_: 300.0 is out of the range of int8 [-128'
    """
    info = np.iinfo(kind)
    return ValueError(f"Invalid value for argument {argument}: {value!r} is out of the range of {kind} "
                      f"[{info.min}, {info.max}] (PyTorch refuses most such integers: \"value cannot be converted "
                      f"to type ... without overflow\")")


def subtrahend(tensor, other):
    """``other``, the operand of ``tensor - other`` or ``other - tensor`` that is not a Tensor, as a tensor beside
    ``tensor`` (:meth:`Tensor._lift`); a bool number, or a NumPy array or list of bools, is refused
    (:func:`refuse_bool_operands`: lifted beside a number tensor it would have become 0 and 1)."""
    if other.__class__ in (float, int):       # the usual `x - 1.0`, first: no bools to look for (True is a bool)
        return tensor._lift(other)
    if isinstance(other, (bool, np.bool_)) or _holds_bools(other) or _list_of_bools(other):
        refuse_bool_operands("-", dtype_name(tensor.dtype) == "bool", True)
    return tensor._lift(other)


def _list_of_bools(other):
    """Whether ``other`` is a list or tuple of bools (nested too)."""
    if not isinstance(other, (list, tuple)):
        return False
    try:
        return np.asarray(other).dtype == np.bool_
    except (ValueError, TypeError):                     # ragged or not numeric: Tensor._lift says what is wrong
        return False


@register_op("sub", samples=_binary_samples(), special_points=binary_special_points())
class Sub(Function):
    """``a - b``; d/da = 1, d/db = -1. A bool operand is a ``TypeError``, as in PyTorch."""

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        if a.dtype == xp.bool or b.dtype == xp.bool:
            refuse_bool_operands("-", a.dtype == xp.bool, b.dtype == xp.bool)
        a, b = promoted(xp, a, b)
        ctx.shapes = (a.shape, b.shape)
        try:
            return a - b
        except ValueError:
            raise broadcast_error("sub", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        sa, sb = ctx.shapes
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(ctx.xp, grad, sa) if need_a else None,
                unbroadcast(ctx.xp, -grad, sb) if need_b else None)


@register_op("mul", samples=_binary_samples(), special_points=binary_special_points())
class Mul(Function):
    """``a * b``; d/da = b, d/db = a."""

    @staticmethod
    def forward(ctx, a, b):
        a, b = promoted(ctx.xp, a, b)
        ctx.save_for_backward(a, b)
        ctx.values_read = (ctx.inputs[1]._requires_grad, ctx.inputs[0]._requires_grad)   # d/db reads a, d/da b
        try:      # two bools: and, as NumPy's and torch's * (array-api-strict refuses * on bools)
            return a * b if a.dtype != ctx.xp.bool or b.dtype != ctx.xp.bool else ctx.xp.logical_and(a, b)
        except ValueError:
            raise broadcast_error("mul", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(ctx.xp, grad * b, a.shape) if need_a else None,
                unbroadcast(ctx.xp, grad * a, b.shape) if need_b else None)


@register_op("div", samples=_binary_samples(positive_b=True), special_points=binary_special_points())
class Div(Function):
    """``a / b``; d/da = 1/b, d/db = -a/b^2, computed as ``-(a / b) / b`` (as PyTorch: no overflow of ``b^2``).

    IEEE 754 at the special points, as NumPy and PyTorch: ``1/0 = inf``, ``0/0 = nan``, ``1/-0.0 = -inf``.
    """

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        if not (xp.isdtype(a.dtype, "real floating") or xp.isdtype(b.dtype, "real floating")):
            a, b = float_input(xp, a), float_input(xp, b)   # integers: in floatx(), as torch (NumPy: float64)
        a, b = promoted(xp, a, b)
        ctx.save_for_backward(a, b)
        ctx.values_read = (ctx.inputs[1]._requires_grad, True)      # d/db reads a and b, d/da reads b
        try:
            return a / b
        except ValueError:
            raise broadcast_error("div", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        return (unbroadcast(ctx.xp, grad / b, a.shape) if need_a else None,
                unbroadcast(ctx.xp, -grad * ((a / b) / b), b.shape) if need_b else None)


_POW_BASES = (np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, -1.0, 2.0, -2.5, 0.5)
_POW_EXPONENTS = (np.nan, 0.0, -0.0, np.inf, -np.inf, 1.0, 2.0, 3.0, -1.0, -2.0, 0.5)
#: The exponents that PyTorch's ``pow(Tensor, Scalar)`` computes by kernels of their own, and a few others.
_NUMBER_EXPONENTS = (0.0, 1.0, 0.5, -0.5, -1.0, 2.0, 3.0, -2.0, 2.5, -1.5, 1e-8)


def _pow_special_points(rng):
    bases = np.array(_POW_BASES)   # rank-0 and one-element exponents: NumPy takes its sqrt kernel for those
    return [*binary_special_points(_POW_BASES, _POW_EXPONENTS)(rng),
            *[Sample((bases, np.asarray(e))) for e in (0.5, -0.5, 1.5, 2.0, -1.0, 0.0)],
            Sample((bases, np.array([0.5])))]


@register_op("pow", samples=_binary_samples(positive_a=True), special_points=_pow_special_points)
class Pow(Function):
    r"""``a ** b`` of two tensors; d/da = :math:`b a^{b-1}`, d/db = :math:`a^b \log a`.

    As PyTorch's ``pow(Tensor, Tensor)`` and ``pow_backward_self``/``pow_backward_exponent``, in their order of
    operations: d/da is ``grad * (b * a ** (b - 1))`` (``b`` times the power first: ``grad * b`` could overflow
    float16 where the product does not), 0 where ``b == 0`` (``x ** 0`` is the constant 1, even at ``a = 0`` where
    :math:`0 \cdot 0^{-1}` would be NaN); d/db is ``grad * (a ** b * log(a))``, with 0 instead of
    :math:`0^b \log 0` where ``a == 0`` and ``b >= 0``. Elsewhere IEEE 754: a negative base with a non-integer
    exponent is NaN, d/db of a negative base is NaN.

    The value is C's ``pow`` for every exponent, whatever its shape: ``(-0.0) ** 0.5 = 0.0`` and
    ``(-inf) ** 0.5 = inf`` even for a rank-0 exponent tensor (NumPy would switch to ``sqrt`` there). A Python
    number as the exponent or the base takes PyTorch's number paths instead, :class:`PowScalar` and
    :class:`ScalarPow`. Integer tensors raised to a negative integer power are a ``ValueError`` (as PyTorch: the
    result is not an integer).
    """

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b = promoted(xp, a, b)
        if "int" in str(b.dtype) and "int" in str(a.dtype) and bool(xp.any(b < 0)):
            raise ValueError("pow: integers to negative integer powers are not allowed (the result is not an "
                             "integer); cast the integer tensor to a float first, e.g. t.astype('float32') ** -1 "
                             "or 2.0 ** t.astype('float32')")
        try:
            out = _power(xp, a, b)
        except ValueError:
            raise broadcast_error("pow", a, b) from None
        ctx.save_for_backward(a, b, out)
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b, out = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        grad_a = grad_b = None
        if need_a:
            grad_a = unbroadcast(xp, xp.where(b == 0, 0.0, grad * (b * _power(xp, a, b - 1))), a.shape)
        if need_b:
            grad_b = unbroadcast(xp, grad * xp.where((a == 0) & (b >= 0), 0.0, out * xp.log(a)), b.shape)
        return grad_a, grad_b


def _power(xp, a, b):
    """C's ``pow(a, b)`` element-wise. NumPy computes an exponent array of one element equal to 0.5 as
    ``sqrt(a)``, which differs from ``pow`` at ``-0.0`` (``-0.0`` instead of ``0.0``) and ``-inf`` (NaN instead of
    ``inf``); those two points are put right here."""
    out = a**b
    if b.size == 1 and xp.isdtype(b.dtype, "real floating") and float(xp.reshape(b, ())) == 0.5:
        out = xp.where(a == -math.inf, math.inf, xp.where(a == 0, 0.0, out))
    return out


def _pow_scalar_samples(rng):
    x = rng.uniform(0.5, 2.0, (3, 4))
    return [Sample((x,), {"exponent": p}) for p in (2.0, 3.0, 0.5, -0.5, -1.0, -2.0, 2.5, 1.0, 0.0)] + [
        Sample((np.asarray(1.3),), {"exponent": 1.7}), Sample((np.zeros((0, 2)),), {"exponent": 2.5})]


def _pow_scalar_special_points(rng):
    x = special_values()
    return [Sample((x,), {"exponent": p}) for p in _NUMBER_EXPONENTS] + [
        Sample((np.asarray(-0.0),), {"exponent": 0.5}), Sample((np.zeros((0, 3)),), {"exponent": 2.0})]


@register_op("pow_scalar", samples=_pow_scalar_samples, special_points=_pow_scalar_special_points)
class PowScalar(Function):
    r"""``a ** p`` for a Python number ``p`` (``x ** 2.5``), as PyTorch's ``pow(Tensor, Scalar)``;
    d/da = :math:`p a^{p-1}`.

    The value (:func:`_number_power`): 1 for ``p == 0`` (also at NaN), ``a`` for ``p == 1``; in float32 and
    float64 PyTorch's kernels of their own for ``p`` = 0.5 (``sqrt(a)``: ``(-0.0) ** 0.5 = -0.0``,
    ``(-inf) ** 0.5 = nan``), -0.5 (``1 / sqrt(a)``), -1 (``1 / a``), 2 (``a * a``), 3 (``a * a * a``) and -2
    (``1 / (a * a)``), else ``pow(a, p)`` with ``p`` in float64 (as PyTorch's scalar loop: its vectorised loop
    rounds ``p`` to float32, a few float32 steps apart); in float16 always ``pow(a, p)`` with ``p`` rounded to
    float16, computed in float32 (PyTorch's half kernel).

    The gradient, as PyTorch's ``pow_backward``: ``grad * (p * a ** (p - 1))``, where ``p - 1`` is computed from
    the number itself (a float64: ``1.2`` for ``p = 2.2``, which float16 would round to ``1.19922``), the power by
    the same kernels, and the product with ``p`` in float32 for float16 inputs (PyTorch's "opmath"), so that
    ``x ** 1e-8`` has a gradient in float16 too; 0 for ``p == 0``.
    """

    @staticmethod
    def forward(ctx, a, exponent):
        ctx.save_for_backward(a)
        ctx.exponent = exponent = _number_attribute(exponent, "exponent", "pow_scalar")
        return _number_power(ctx.xp, a, exponent)

    @staticmethod
    def describe(ctx):
        """The op as drawn in graphs (:func:`~tinygradconv.viz.plot_graph`): ``(·) ** 2`` (not ``x``, which a
        graph may hold as a tensor's name: a tester read ``x ** 2`` as the model's input squared)."""
        return f"(·) ** {ctx.exponent:g}"

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        xp, p = ctx.xp, ctx.exponent
        if p == 0:
            return xp.zeros_like(a)
        return grad * _times_number(xp, _number_power(xp, a, p - 1), p)


def _number_attribute(value, name, op):
    """``value`` as a float, or a ``TypeError`` naming the attribute ``name`` when it is not a real number."""
    if not _is_number(value):
        raise TypeError(f"{op}: `{name}` must be a real number (a Python or NumPy int or float); received {value!r} "
                        f"of type {type(value).__name__}")
    return float(value)


def _number_power(xp, a, p):
    """``a ** p`` for a Python number ``p``, by the kernels of PyTorch's ``pow(Tensor, Scalar)`` (see
    :class:`PowScalar`)."""
    if p == 0:
        return xp.ones_like(a)
    if p == 1:
        return xp.asarray(a, copy=True)
    if dtype_name(a.dtype) == "float16":
        exponent = float(np.float16(p))
        return _in_float32(xp, lambda x: _power(xp, x, xp.asarray(exponent, dtype=x.dtype)), a)
    if p == 0.5:
        return xp.sqrt(a)
    if p == -0.5:
        return 1.0 / xp.sqrt(a)
    if p == -1:
        return 1.0 / a
    if p == 2:
        return a * a
    if p == 3:
        return a * a * a
    if p == -2:
        return 1.0 / (a * a)
    if dtype_name(a.dtype) == "float32":        # the exponent in float64: (-2) ** (1e-8 - 1) is NaN, not -0.5
        return xp.astype(xp.astype(a, xp.float64) ** p, xp.float32)
    return a**p


def _times_number(xp, a, number):
    """``number * a`` for a Python ``number``, as PyTorch's ``mul`` with a number computes it: with the number in
    float32 and the product rounded to float16 once for float16 ``a`` (its "opmath" type), else with the number
    rounded to ``a``'s dtype."""
    return _in_float32(xp, lambda x: x * number, a)


def _scalar_pow_samples(rng):
    x = rng.standard_normal((3, 4))
    return [Sample((x,), {"base": c}) for c in (2.0, 0.5, 1.1, 10.0, 1.0)] + [
        Sample((np.asarray(0.3),), {"base": 3.0}), Sample((np.zeros((0, 2)),), {"base": 2.0})]


def _scalar_pow_special_points(rng):
    x = np.array(_POW_EXPONENTS)
    return [Sample((x,), {"base": c}) for c in (0.0, 1.0, -1.0, 2.0, 0.5, -2.5, 1.1, 1e39, math.inf)] + [
        Sample((np.asarray(-0.0),), {"base": 0.0}), Sample((np.zeros((0, 3)),), {"base": 2.0})]


@register_op("scalar_pow", samples=_scalar_pow_samples, special_points=_scalar_pow_special_points)
class ScalarPow(Function):
    r"""``c ** a`` for a Python number ``c`` (``2.0 ** x``), as PyTorch's ``pow(Scalar, Tensor)``;
    d/da = :math:`c^a \log c`.

    The value is ``pow(c, a)`` with ``c`` rounded to ``a``'s dtype (PyTorch's too: ``1e39 ** x`` is ``inf ** x``
    in float32), and 1 for ``c == 1`` (also at a NaN exponent). The gradient, as PyTorch's
    ``pow_backward_exponent``: ``grad * (c ** a * log(c))``, with ``log(c)`` computed from the number itself in
    float64 (89.8 for ``c = 1e39``, where the rounded ``inf`` would give ``inf``) and its product with the power in
    float32 for float16 (PyTorch's "opmath"); for ``c == 0``, 0 where ``a >= 0``.
    """

    @staticmethod
    def forward(ctx, a, base):
        xp = ctx.xp
        base = _number_attribute(base, "base", "scalar_pow")
        out = xp.ones_like(a) if base == 1 else _power(xp, xp.full_like(a, base), a)
        ctx.save_for_backward(a, out)
        ctx.base = base
        return out

    @staticmethod
    def describe(ctx):
        """The op as drawn in graphs: ``2 ** (·)``."""
        return f"{ctx.base:g} ** (·)"

    @staticmethod
    def backward(ctx, grad):
        a, out = ctx.saved_tensors
        xp, c = ctx.xp, ctx.base
        log_c = math.log(c) if c > 0 else (-math.inf if c == 0 else math.nan)
        scaled = _times_number(xp, out, log_c)
        if c == 0:
            scaled = xp.where(a >= 0, 0.0, scaled)
        return grad * scaled


@register_op("reciprocal", samples=_unary_samples(0.5, 2.0), special_points=unary_special_points())
class Reciprocal(Function):
    """``1 / a``; d/da = ``-grad * (out * out)`` with ``out = 1 / a`` (PyTorch's ``reciprocal`` and its
    backward). ``c / x`` for a Python or NumPy number ``c`` is ``reciprocal(x) * c`` (:func:`rdiv`), as PyTorch
    computes it (an array ``c`` is a true division)."""

    @staticmethod
    def forward(ctx, a):
        out = 1.0 / float_input(ctx.xp, a)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return -grad * (out * out)


@register_op("rsqrt", samples=_unary_samples(0.2, 3.0), special_points=unary_special_points(low=0.0))
class Rsqrt(Function):
    """``1 / sqrt(a)`` (PyTorch's ``rsqrt``, Keras 3's ``ops.rsqrt``); d/da = ``-0.5 * grad * out**3``, PyTorch's
    backward, from the saved output ``out``.

    As PyTorch 2.13: ``rsqrt(0.0) = inf`` with gradient ``-inf``, ``rsqrt(-0.0) = -inf`` (``1 / -0.0``) with
    gradient ``+inf``, ``rsqrt(inf) = 0`` with gradient ``-0.0``, NaN below 0 and at NaN (NaN gradient). The value is
    the square root divided into 1 (two roundings, as PyTorch's CPU kernel: not a correctly rounded ``rsqrt``), and
    ``out**3`` is ``out * out * out``. float16 is computed in float32 and rounded once to float16, as PyTorch's
    vectorised kernel, which handles all but the last ``n % 32`` elements of each thread's share: PyTorch's
    element-by-element path for those (and so for every tensor under 32 elements) rounds ``sqrt`` to float16 before
    dividing, one float16 step off for a few inputs (``rsqrt(float16(1.145))``: 0.9346 here, 0.934 for PyTorch's
    one-element tensor, 0.9346 in a tensor of 32).
    """

    @staticmethod
    def forward(ctx, a):
        out = _in_float32(ctx.xp, lambda v: 1.0 / ctx.xp.sqrt(v), float_input(ctx.xp, a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return (-0.5 * grad) * _in_float32(ctx.xp, lambda o: o * o * o, out)


def _pairwise_samples(rng):
    a = rng.standard_normal((3, 4))
    b = a + rng.choice([-1.0, 1.0], size=(3, 4)) * rng.uniform(0.1, 1.0, (3, 4))  # no ties
    return [Sample((a, b)), Sample((a, b[0])), Sample((np.asarray(0.3), np.asarray(-0.4))),
            Sample((np.asarray(0.3), b[1])), Sample((np.zeros((0, 4)), b[2]))]


def _signed_zero_ties(xp, a, b, out, larger):
    """``out`` with IEEE 754-2019's order of zeros (``-0.0 < 0.0``) where both inputs are zeros: ``maximum(0.0,
    -0.0) = 0.0``, ``minimum(0.0, -0.0) = -0.0`` in either order. (On zeros, ``a + b`` is ``-0.0`` only when both
    are ``-0.0``: the maximum; ``-(-a - b)`` is ``0.0`` only when both are ``0.0``: the minimum.)"""
    if not xp.isdtype(out.dtype, "real floating"):      # only floats have signed zeros (bool has no minus)
        return out
    zeros = (a == 0) & (b == 0)
    if type(zeros) is np.ndarray and not zeros.any():   # (NumPy: the usual case, one pass over a bool array)
        return out
    return choose(xp, zeros, (a + b) if larger else -((-a) - b), out)


def _extremum(xp, a, b, larger):
    """``maximum(a, b)`` when ``larger``, else ``minimum(a, b)``, of two arrays of one dtype: with the signed zeros'
    order (:func:`_signed_zero_ties`); of bools the logical or (maximum) and and (minimum), bool as PyTorch's
    (``torch.maximum`` of two bool tensors; array-api-strict refuses ``maximum`` of bools, found by a tester)."""
    if a.dtype == xp.bool:
        return (a | b) if larger else (a & b)
    return _signed_zero_ties(xp, a, b, xp.maximum(a, b) if larger else xp.minimum(a, b), larger=larger)


@register_op("maximum", samples=_pairwise_samples, special_points=binary_special_points())
class Maximum(Function):
    """Element-wise maximum; the gradient goes to the larger input (split evenly on ties, ``0.0`` and ``-0.0``
    included). ``maximum(0.0, -0.0) = 0.0`` in either order (IEEE 754-2019, and PyTorch's ``maximum(0.0, -0.0)``;
    PyTorch's vectorised kernel returns either zero, NumPy the second one).

    NaN propagates (``maximum(nan, 1) = nan``, as NumPy and PyTorch); where either input is NaN, both inputs get the
    full gradient (PyTorch's rule).
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = promoted(ctx.xp, a, b)
        ctx.save_for_backward(a, b)
        try:
            return _extremum(ctx.xp, a, b, larger=True)
        except ValueError:
            raise broadcast_error("maximum", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        return _select_grads(ctx, grad, larger=True)


@register_op("minimum", samples=_pairwise_samples, special_points=binary_special_points())
class Minimum(Function):
    """Element-wise minimum; the gradient goes to the smaller input (split evenly on ties, ``0.0`` and ``-0.0``
    included). ``minimum(0.0, -0.0) = -0.0`` in either order (IEEE 754-2019).

    NaN propagates (``minimum(nan, 1) = nan``, as NumPy and PyTorch); where either input is NaN, both inputs get the
    full gradient (PyTorch's rule).
    """

    @staticmethod
    def forward(ctx, a, b):
        a, b = promoted(ctx.xp, a, b)
        ctx.save_for_backward(a, b)
        try:
            return _extremum(ctx.xp, a, b, larger=False)
        except ValueError:
            raise broadcast_error("minimum", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        return _select_grads(ctx, grad, larger=False)


def _select_grads(ctx, grad, larger):
    """PyTorch's rule: half each on a tie, nothing to the losing input, everything to both where one is NaN."""
    xp = ctx.xp
    a, b = ctx.saved_tensors
    a_loses, b_loses = (a < b, a > b) if larger else (a > b, a < b)
    tie = a == b
    half = grad * 0.5
    need_a, need_b = ctx.needs_input_grad
    return (unbroadcast(xp, choose(xp, tie, half, keep_where(xp, ~a_loses, grad)), a.shape) if need_a else None,
            unbroadcast(xp, choose(xp, tie, half, keep_where(xp, ~b_loses, grad)), b.shape) if need_b else None)


def _where_samples(rng):
    cond = rng.random((3, 4)) > 0.5
    return [Sample((cond, rng.standard_normal((3, 4)), rng.standard_normal((4,)))),
            Sample((np.asarray(True), np.asarray(1.5), rng.standard_normal((2,)))),
            Sample((np.zeros((0, 2), dtype=bool), rng.standard_normal((2,)), np.asarray(0.5)))]


def _where_special_points(rng):
    values = np.array(SPECIAL_VALUES)
    cond = np.arange(values.size) % 2 == 0
    return [Sample((cond, values, values[::-1].copy())), Sample((np.asarray(False), np.asarray(np.nan), values)),
            Sample((np.zeros((0, 3), dtype=bool), np.zeros(3), np.asarray(np.inf)))]


@register_op("where", samples=_where_samples, special_points=_where_special_points)
class Where(Function):
    """``where(condition, a, b)``: a where the condition holds, else b; the gradient follows the same choice.

    The branch not taken gets a gradient of exactly 0, even where its value is NaN or infinite (as PyTorch).
    ``a`` and ``b`` of two dtypes give :func:`promoted_dtype` of them, as ``torch.where`` (an integer beside a
    float32 tensor: float32).
    """

    @staticmethod
    def forward(ctx, condition, a, b):
        a, b = promoted(ctx.xp, a, b)
        ctx.save_for_backward(condition)
        ctx.shapes = (a.shape, b.shape)
        try:
            return choose(ctx.xp, condition, a, b)
        except ValueError:
            raise broadcast_error("where", condition, a, b) from None

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (condition,) = ctx.saved_tensors
        sa, sb = ctx.shapes
        return (None, unbroadcast(xp, keep_where(xp, condition, grad), sa),
                unbroadcast(xp, keep_where(xp, ~condition, grad), sb))


# ------------------------------------------------------------------------------------------- // and %
def _integer_division_checked(xp, a, b, symbol):
    """``(a, b)`` promoted for ``//`` or ``%`` (a bool beside a number tensor as 0 and 1 of its dtype, as PyTorch:
    ``f32_t % bool_t`` is float32): two bool operands are a ``TypeError`` and an integer division by zero a
    ``ZeroDivisionError``, as in PyTorch ("not implemented for 'Bool'"; "ZeroDivisionError"; NumPy would give 0
    with a warning)."""
    refuse_bool_operands(symbol, a.dtype == xp.bool, b.dtype == xp.bool)
    a, b = promoted(xp, a, b)
    if not xp.isdtype(a.dtype, "real floating") and bool(xp.any(b == 0)):
        raise ZeroDivisionError(f"integer division or modulo by zero (`{symbol}` of integer tensors), as in Python "
                                "and PyTorch; a floating tensor gives inf or nan there instead")
    return a, b


class FloorDivide(Function):
    """``a // b``: ``floor(a / b)``, as ``torch.floor_divide`` and NumPy's ``floor_divide`` (the two agree at every
    special value: ``1 // 0 = inf``, ``0 // 0 = nan``, ``-5 // inf = -1``). Integers stay integers (floored towards
    minus infinity: ``-7 // 2 = -4``); an integer division by zero is a ``ZeroDivisionError``.

    No gradient, as in PyTorch ("derivative for aten::floor_divide is not implemented"): the result may require grad
    (it is part of the graph), but a backward pass that reaches it raises a ``RuntimeError``. The function is
    piecewise constant: write ``(a // b).detach()`` where no gradient through it is wanted. Not registered for the
    gradient check, having no gradient; its values are checked against PyTorch by ``tests/test_tensor_api_gaps.py``.
    """

    name = "floor_divide"

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b = _integer_division_checked(xp, a, b, "//")
        try:
            return floor_divided(xp, a, b)
        except ValueError:
            raise broadcast_error("floor_divide", a, b) from None

    @staticmethod
    def backward(ctx, grad):
        raise RuntimeError("The derivative of floor_divide (`//`) is not implemented, as in PyTorch: a // b is "
                           "piecewise constant. Use (a // b).detach() where no gradient through it is wanted")


def floor_divided(xp, a, b):
    """``floor(a / b)`` of two arrays of one dtype, as PyTorch's CPU ``div_floor`` kernel computes it: NumPy's
    ``floor_divide`` (the same steps as PyTorch's ``div_floor_floating``), except for float16, where PyTorch takes
    two paths:

    * a divisor of one value (a number, or a tensor of one element): in float32, rounded to float16 once; a Python
      number reaches it unrounded (:func:`float16_number_in_float32`), so ``x // 0.1`` divides by ``float32(0.1)``;
    * else each step of ``div_floor_floating`` (``fmod``, the subtraction, the division, the corrections) rounded
      to float16, as PyTorch's half arithmetic does; ``2 // x`` takes this path (the number is the dividend).

    The steps of the second path are computed in float32 and each result rounded to float16 (:func:`_float16_steps`),
    which gives float16 arithmetic's results exactly (float32 holds 24 bits, enough for ``+``, ``-``, ``*``, ``/`` of
    two float16 numbers to be rounded once) and is faster than NumPy's float16 arithmetic. It costs: ``x // y`` of
    two float16 tensors of 10**6 normal values takes about 3.5 times a float32 ``x // y``: 83 ms against 23 (105 ms
    with NumPy's float16 steps; a 2-vCPU AMD EPYC shared with other work, 2026-12-07); ``fmod`` is most of it.

    >>> import numpy as np
    >>> x = np.array([0.1, 3.5, 3.9, -29.7], dtype=np.float16)
    >>> floor_divided(np, x, np.asarray(0.7, dtype=np.float32)).tolist()       # (float16(0.7) would give 4.0)
    [0.0, 5.0, 5.0, -43.0]
    """
    if dtype_name(a.dtype) != "float16":
        return xp.floor_divide(a, b)
    if b.size == 1:
        return _in_float32(xp, xp.floor_divide, a, xp.astype(b, xp.float32))
    return _float16_steps(xp, a, b)


def _float16_steps(xp, a, b):
    """PyTorch's ``div_floor_floating`` of two float16 arrays, each step rounded to float16 as ``c10::Half``
    arithmetic rounds it, computed in float32 (``rounded`` is a float32 result rounded to float16, kept in float32;
    ``fmod``, ``floor`` and ``copysign`` are exact)."""
    f16, f32 = xp.float16, xp.float32

    def rounded(values):
        return xp.astype(xp.astype(values, f16), f32)

    a, b = xp.broadcast_arrays(xp.astype(a, f32), xp.astype(b, f32))
    mod = xp.fmod(a, b)
    quotient = rounded(rounded(a - mod) / b)
    below = (mod != 0) & ((b < 0) != (mod < 0))           # the remainder's sign is not b's: one less
    quotient = rounded(quotient - xp.astype(below, f32))  # (minus 0 leaves it as it is)
    floored = xp.floor(quotient)
    floored = rounded(floored + xp.astype(rounded(quotient - floored) > 0.5, f32))
    true_quotient = rounded(a / b)                        # (silently: Function.apply computes IEEE 754 specials so)
    floored = xp.where(quotient != 0, floored, xp.copysign(xp.zeros_like(a), true_quotient))
    return xp.astype(xp.where(b == 0, true_quotient, floored), f16)


def _remainder_samples(rng):
    """Inputs away from the jumps of ``a % b`` (where ``a / b`` is an integer): ``a = (k + f) * b``, ``f`` in
    ``[0.2, 0.8]``, in the shapes of :func:`_binary_samples`; where ``b`` broadcasts over ``a``'s axes it holds one
    repeated value."""
    def pair(shape_a, shape_b, one_b=False):
        b = rng.choice([-1.0, 1.0], shape_b) * rng.uniform(0.5, 2.0, shape_b)
        if one_b:                                       # one value of b: a / b away from integers however broadcast
            b = np.full(shape_b, b.flat[0])
        a = (rng.integers(-3, 3, shape_a) + rng.uniform(0.2, 0.8, shape_a)) * (b.flat[0] if one_b else b)
        return Sample((a, b))

    a = rng.integers(-3, 3, (3, 4)) + rng.uniform(0.2, 0.8, (3, 4))
    return [pair((3, 4), (3, 4)), pair((2, 3), (3,)), pair((2, 1, 3), (4, 1), one_b=True), pair((), ()),
            pair((), (3,), one_b=True), Sample((np.zeros((0, 3)), np.full(3, 1.5))),
            Sample((a, np.ones(4, dtype=bool)))]                # a bool divisor, as torch: its 1s (a constant)


def _remainder_special_points(rng):
    """:func:`binary_special_points`, and a bool divisor (a constant): ``x % True`` and ``x % False`` (NaN)."""
    values = special_values()
    return binary_special_points()(rng) + [Sample((values, np.arange(values.size) % 2 == 0)),
                                           Sample((np.asarray(-2.5), np.asarray(True)))]


@register_op("remainder", samples=_remainder_samples, special_points=_remainder_special_points)
class Remainder(Function):
    """``a % b``: ``a - b * floor(a / b)``, of the sign of ``b``, as ``torch.remainder`` and Python's ``%``
    (``-7 % 2 = 1``, ``7 % -2 = -1``). d/da = 1, d/db = ``-floor(a / b)``, PyTorch's ``remainder`` derivatives
    (``-grad * a.div(b, rounding_mode="floor")``); both jump where ``a / b`` is an integer.

    Special values as PyTorch: ``x % 0 = nan``, ``inf % b = nan``, ``5 % inf = 5``, ``-5 % inf = inf``; a zero
    result keeps the sign of ``a`` (PyTorch's, from C's ``fmod``: ``-4.0 % 2.0 = -0.0``), where NumPy gives it the
    sign of ``b``. Integers stay integers; an integer remainder by zero is a ``ZeroDivisionError``, bool operands a
    ``TypeError``, as in PyTorch.
    """

    @staticmethod
    def forward(ctx, a, b):
        xp = ctx.xp
        a, b = _integer_division_checked(xp, a, b, "%")
        ctx.save_for_backward(a, b)
        ctx.values_read = (False, True) if not ctx.inputs[1]._requires_grad else (True, True)
        try:
            out = xp.remainder(a, b)
        except ValueError:
            raise broadcast_error("remainder", a, b) from None
        if xp.isdtype(out.dtype, "real floating"):
            out = xp.where(out == 0, xp.copysign(out, a), out)      # zeros of the sign of a, as PyTorch
        return out

    @staticmethod
    def backward(ctx, grad):
        a, b = ctx.saved_tensors
        need_a, need_b = ctx.needs_input_grad
        xp = ctx.xp
        return (unbroadcast(xp, grad, a.shape) if need_a else None,
                unbroadcast(xp, -grad * xp.floor_divide(a, b), b.shape) if need_b else None)


# ------------------------------------------------------------------------------------------- unary ops
@register_op("neg", samples=_unary_samples(), special_points=unary_special_points())
class Neg(Function):
    """``-a``; d/da = -1 (``-0.0`` for 0, NaN stays NaN).

    Raises:
        TypeError: a bool tensor, as PyTorch refuses it ("Negation, the `-` operator, on a bool tensor is not
            supported"): for ``-t`` and ``tg.ops.neg(t)`` alike. To invert a mask use ``~t``.
    """

    @staticmethod
    def forward(ctx, a):
        if a.dtype == ctx.xp.bool:
            raise TypeError("Invalid type for argument `x`: negation (`-t`, tg.ops.neg) is not defined for a "
                            "tensor of dtype bool (as in PyTorch: \"Negation, the `-` operator, on a bool tensor "
                            "is not supported. If you are trying to invert a mask, use the `~` or `logical_not()` "
                            "operator instead.\"). To invert a mask use `~t`; for numbers, cast first, e.g. "
                            "-t.astype('float32')")
        return -a

    @staticmethod
    def backward(ctx, grad):
        return -grad


@register_op("exp", samples=_unary_samples(), special_points=unary_special_points())
class Exp(Function):
    """``exp(a)``; d/da = exp(a) (IEEE 754: ``exp(inf) = inf``, ``exp(-inf) = 0`` with d/da 0, NaN stays NaN)."""

    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.exp(float_input(ctx.xp, a))   # exp(1000) = inf, silently (Function.apply)
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad * out


@register_op("log", samples=_unary_samples(0.2, 3.0), special_points=unary_special_points(low=0.0))
class Log(Function):
    """``log(a)``; d/da = 1/a (IEEE 754: ``log(0) = -inf`` with d/da ``inf``, ``log(-1) = nan``)."""

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return ctx.xp.log(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / a


@register_op("log1p", samples=_unary_samples(-0.5, 3.0), special_points=unary_special_points(-1.0))
class Log1p(Function):
    """``log(1 + a)`` computed accurately for small a; d/da = 1/(1+a) (``-inf`` with d/da ``inf`` at ``a = -1``,
    NaN below, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        ctx.save_for_backward(a)
        return ctx.xp.log1p(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad / (1.0 + a)


@register_op("expm1", samples=_unary_samples(), special_points=unary_special_points(-1e-10, 1e-10, 40.0))
class Expm1(Function):
    """``exp(a) - 1`` computed accurately for small a; d/da = exp(a).

    IEEE 754 as PyTorch: ``expm1(-0.0) = -0.0``, ``expm1(inf) = inf`` (d/da ``inf``), ``expm1(-inf) = -1``
    (d/da 0). Near 0, ``exp(a) - 1`` keeps only the digits ``exp(a)`` has beyond 1: at ``a = -1e-10`` it is wrong
    in the eighth digit (float64), where ``expm1`` is exact (``celu`` needs it to match Keras there). The gradient
    is ``exp(a)`` from the input, not PyTorch's ``expm1(a) + 1`` from the output, which cancels for ``a << 0``
    (float32 ``a = -20``: 0 instead of ``2.06e-9``); the two agree within rounding elsewhere.

    In-place writes after the forward pass are judged as PyTorch judges them, which saves the output: a write of
    the output refuses the backward pass ("modified by an inplace operation"); a write of the input does not, and
    the gradient is then PyTorch's ``expm1(a) + 1`` from the output (the input's old values are gone).
    """

    @staticmethod
    def forward(ctx, a):
        a = float_input(ctx.xp, a)
        out = ctx.xp.expm1(a)
        ctx.save_for_backward(a, out)
        ctx.values_read = (False, True)     # the writes checked: the output's (PyTorch's saved array), not a's
        return out

    @staticmethod
    def backward(ctx, grad):
        from ..in_place import last_write_of

        a, out = ctx.saved_tensors
        if last_write_of(a) > ctx.written_before:       # a written in place since: PyTorch's formula
            return grad * (out + 1)
        return grad * ctx.xp.exp(a)


@register_op("sqrt", samples=_unary_samples(0.2, 3.0), special_points=unary_special_points(low=0.0))
class Sqrt(Function):
    """``sqrt(a)``; d/da = 1 / (2 sqrt(a)) (``inf`` at 0 and ``-inf`` at ``-0.0``, as PyTorch)."""

    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.sqrt(float_input(ctx.xp, a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return grad / (2.0 * out)


@register_op("abs", samples=_unary_samples(), special_points=unary_special_points())
class Abs(Function):
    """``|a|``; d/da = sign(a): 0 at 0 and, as PyTorch, 0 at NaN (the value, NaN, already carries it).

    The gradient is ``grad * sign(a)``, a product even where the sign is 0, as PyTorch's ``grad * a.sgn()``: a NaN
    or infinite incoming gradient at ``a = 0`` gives NaN, and a negative one ``-0.0`` (a ``where`` that returned
    0 there hid a NaN gradient, found by a tester).
    """

    @staticmethod
    def forward(ctx, a):
        _refuse_bools(ctx.xp, a, "abs")
        ctx.save_for_backward(a)
        return ctx.xp.abs(a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        xp = ctx.xp
        sign = xp.astype(a > 0, grad.dtype) - xp.astype(a < 0, grad.dtype)     # +1, -1, or +0 (at +-0 and NaN)
        return grad * sign


@register_op("tanh", samples=_unary_samples(), special_points=unary_special_points())
class Tanh(Function):
    """``tanh(a)``; d/da = 1 - tanh(a)^2 (``+-1`` with d/da 0 at ``+-inf``)."""

    @staticmethod
    def forward(ctx, a):
        out = ctx.xp.tanh(float_input(ctx.xp, a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return _in_float32(ctx.xp, lambda g, y: g * (1.0 - y * y), grad, out)


@register_op("sigmoid", samples=_unary_samples(), special_points=unary_special_points())
class Sigmoid(Function):
    """``1 / (1 + exp(-a))``, computed without overflow; d/da = s (1 - s) (1 and 0 with d/da 0 at ``+-inf``)."""

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        out = _in_float32(xp, lambda x: stable_sigmoid(xp, x), float_input(xp, a))
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        return _in_float32(ctx.xp, lambda g, s: g * s * (1.0 - s), grad, out)


def stable_sigmoid(xp, a):
    """``1 / (1 + e)`` for ``a >= 0``, ``e / (1 + e)`` below, with ``e = exp(-|a|)`` in ``(0, 1]``: never
    overflows (NaN gives NaN)."""
    e = xp.exp(-xp.abs(a))
    denominator = 1.0 + e
    return choose(xp, a >= 0, 1.0 / denominator, e / denominator)


def float16_number_in_float32(function, tensor, number, reflected=False, **attributes):
    """``function`` (``Mul``, ``Div``, ``FloorDivide`` or ``RoundedDivide``, with its keyword ``attributes``) of a
    float16 ``tensor`` and a Python or NumPy real ``number`` that float16 cannot hold exactly (``0.1``, ``1e5``),
    computed in float32 and rounded to float16 once (``number`` first when ``reflected``), as PyTorch's ``mul``,
    ``div`` and their rounded forms (``//``, ``div(rounding_mode=...)``) compute such a number (in their "opmath"
    type) instead of rounding it to float16 first; ``None`` for any other operands, which the caller computes as
    usual. Used by the Tensor operators, :func:`floor_divide` and :func:`~.rounded_division.rounded_div`."""
    if not (isinstance(tensor, Tensor) and isinstance(number, (float, int, np.floating, np.integer))
            and not isinstance(number, (bool, np.bool_)) and dtype_name(tensor.dtype) == "float16"
            and not float16_holds(number)):
        return None
    wide = tensor.astype("float32")
    constant = Tensor._make(tensor.backend.scalar(float(number), tensor.backend.dtype("float32")), tensor.backend,
                            False, None)
    out = function.apply(constant, wide, **attributes) if reflected else function.apply(wide, constant, **attributes)
    return out.astype("float16")


def _in_float32(xp, formula, *arrays):
    """``formula(*arrays)``, computed in float32 when the first array is float16 and rounded back once, as PyTorch's
    CPU kernels compute half precision (from the float16 values they are given: a backward works from the saved,
    rounded output); step by step in float16, sigmoid's gradient was off by hundreds of float16 steps."""
    if dtype_name(arrays[0].dtype) != "float16":
        return formula(*arrays)
    return xp.astype(formula(*(xp.astype(a, xp.float32) for a in arrays)), xp.float16)


@register_op("relu", samples=_unary_samples(), special_points=unary_special_points())
class Relu(Function):
    """``max(a, 0)``; d/da = 1 where a > 0, 0 where a <= 0 (0 at the kink, as PyTorch and Keras).

    NaN propagates, as PyTorch and Keras: ``relu(nan) = nan``, and its gradient passes (d/da = 1 there, PyTorch's
    ``threshold_backward``), so a NaN in the data is never turned into a finite number. ``relu(-0.0) = -0.0``
    (PyTorch, and Keras 3 on its torch backend): only negative values are replaced by 0.
    """

    @staticmethod
    def forward(ctx, a):
        xp = ctx.xp
        _refuse_bools(xp, a, "relu")
        # ~(a < 0), not a >= 0: the two differ only at NaN, where the first is True, so that a NaN is kept (NaN),
        # as PyTorch's relu; an integer tensor stays integer, as in PyTorch
        out = keep_where(xp, ~(a < 0), a)
        # the result, which PyTorch saves: a write of it in place (`y = x.relu(); y.mul_(2)`) then refuses the
        # backward pass, as PyTorch's
        ctx.save_for_backward(out)
        return out

    @staticmethod
    def backward(ctx, grad):
        (out,) = ctx.saved_tensors
        # as PyTorch's threshold_backward, from the result: out <= 0 exactly where a <= 0 (at the kink a = 0 too,
        # whose gradient is 0). There the gradient is 0, even an incoming NaN or inf; elsewhere (a > 0, and a NaN
        # input, where out <= 0 is False) the incoming gradient passes unchanged
        return keep_where(ctx.xp, ~(out <= 0), grad)


def _clip_samples(rng):
    return [Sample((rng.uniform(-2, 2, (3, 4)),), {"min": -1.0, "max": 1.0}),
            Sample((rng.uniform(-2, 2, (5,)),), {"min": None, "max": 0.5}),
            Sample((rng.uniform(-2, 2, (5,)),), {"min": -0.5}),  # max left out
            Sample((rng.uniform(-2, 2, (5,)),)),  # both left out: the identity
            Sample((np.asarray(1.5),), {"min": -1.0, "max": 1.0}), Sample((np.zeros((0, 2)),), {"max": 0.0})]


def _clip_special_points(rng):
    x = special_values(-1.0, 1.0)
    return [Sample((x,), {"min": -1.0, "max": 1.0}), Sample((x,), {"min": None, "max": 0.5}),
            Sample((x,), {"min": 0.0}), Sample((x,), {"min": 1.0, "max": 1.0}),
            Sample((x,), {"min": math.nan, "max": 1.0}), Sample((x,), {"max": math.nan}),   # NaN bounds: all NaN
            Sample((x,), {"min": 1.0, "max": -1.0}),        # crossed bounds: max everywhere (NaN stays), gradient 0
            *[Sample(edge.args, {"min": 0.0, "max": 1.0}) for edge in unary_special_points()(rng)[1:]]]


@register_op("clip", samples=_clip_samples, special_points=_clip_special_points)
class Clip(Function):
    """Clamp into ``[min, max]`` (either may be None); the gradient passes only where the value was inside,
    bounds included (``min <= a <= max``, as ``torch.clamp``).

    NaN propagates (``clip(nan) = nan``) with gradient 0 there, as ``torch.clamp``; ``+-inf`` are clipped. A NaN
    bound makes every output NaN, with gradient 0, as ``torch.clamp``. Crossed bounds (``min > max``) give ``max``
    everywhere (NaN stays NaN) with gradient 0, as ``torch.clamp`` and ``keras.ops.clip``: the input is raised to
    ``min`` first, then lowered to ``max``, and no value lies inside. An integer tensor takes only integer bounds
    that it holds here (:func:`clip` casts it to the float type first for a float bound).
    """

    @staticmethod
    def forward(ctx, a, min=None, max=None):
        xp = ctx.xp
        _check_bounds(min, max)
        name = dtype_name(a.dtype)
        if not xp.isdtype(a.dtype, "real floating"):
            for bound, value in (("min", min), ("max", max)):
                if value is not None and name == "bool":    # (clip() casts it to int64 first, as PyTorch)
                    raise TypeError(f"clip(): a bool tensor takes float bounds only (the result is float), not "
                                    f"{bound}={value!r}; cast the tensor first, e.g. t.astype('int64')")
                if value is not None and not _number_fits(value, name):
                    raise TypeError(f"clip(): a {name} tensor cannot be clipped to {bound}={value!r} without changing "
                                    "the bound; cast the tensor first, e.g. t.astype('float32')")
        out = a
        if min is not None:
            below = xp.ones(a.shape, dtype=xp.bool) if math.isnan(min) else a < min    # a NaN bound: NaN everywhere
            out = choose(xp, below, xp.full((), min, dtype=a.dtype, device=a.device), out)
        if max is not None:
            above = xp.ones(a.shape, dtype=xp.bool) if math.isnan(max) else out > max  # (NaN in `out` stays)
            out = choose(xp, above, xp.full((), max, dtype=a.dtype, device=a.device), out)
        # `a`, as PyTorch saves it (the backward pass reads the mask from it): a write of it in place since refuses
        # the backward pass ("modified by an inplace operation"), as PyTorch's does (in_place.check_saved_arrays)
        ctx.save_for_backward(a)
        ctx.bounds = (min, max)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        (a,) = ctx.saved_tensors
        min, max = ctx.bounds
        inside = xp.ones(a.shape, dtype=xp.bool)        # min <= a <= max: False at NaN, and everywhere for a NaN bound
        if min is not None:
            inside = inside & (a >= min)
        if max is not None:
            inside = inside & (a <= max)
        return keep_where(xp, inside, grad)


def _clip_bounds_samples(rng):
    a = rng.uniform(-2, 2, (3, 4))
    low = rng.uniform(-1.5, -0.1, (3, 4))
    low[0, 0] = a[0, 0] - 0.3           # (no ties in the gradient checks' samples)
    return [Sample((a, low, rng.uniform(0.1, 1.5, (4,)))), Sample((a, None, rng.uniform(0.1, 1.5, (3, 1)))),
            Sample((a, np.asarray(-0.5))), Sample((np.asarray(1.5), np.asarray(-1.0), np.asarray(1.0))),
            Sample((np.zeros((0, 2)), np.zeros(2), None)),
            Sample((rng.uniform(-2, 2, (3, 1)), rng.uniform(-1.5, -0.1, (1, 2)), None))]     # the output broadcast


def _clip_bounds_special_points(rng):
    x = special_values(-1.0, 1.0)
    low, high = np.full(x.shape, -1.0), np.full(x.shape, 1.0)
    crossed = np.where(np.arange(x.size) % 2 == 0, 2.0, -1.0)        # some low > high: the output is high
    return [Sample((x, low, high)), Sample((x, None, high)), Sample((x, low, None)),
            Sample((x, np.where(np.arange(x.size) % 3 == 0, np.nan, -1.0), high)), Sample((x, crossed, high)),
            Sample((x, x, x[::-1].copy())), Sample((np.asarray(np.nan), np.asarray(0.0), np.asarray(1.0))),
            Sample((np.zeros((0, 3)), np.full(3, -1.0), np.asarray(1.0)))]


@register_op("clip_bounds", samples=_clip_bounds_samples, special_points=_clip_bounds_special_points)
class ClipBounds(Function):
    """Clamp into ``[low, high]`` given as arrays (either may be None), as ``torch.clamp(a, min=tensor,
    max=tensor)``: ``out = minimum(maximum(a, low), high)`` applied in that order, so that where ``low > high`` the
    output is ``high``. The three shapes broadcast together, the output too (``(3, 1)`` clipped to bounds of shape
    ``(1, 2)`` is ``(3, 2)``, as in PyTorch and ``keras.ops.clip``; refused before, found by a tester), and ``a``'s
    gradient is summed back to ``a``'s shape.

    Gradient (PyTorch's ``clamp_backward_min_max``, comparisons with the input ``a``): to ``a`` where
    ``low <= a <= high``, ties included; to ``low`` where ``a < low < high``; to ``high`` where ``a > high`` or
    ``high < low`` (there the output is ``high``); each bound's summed over the entries it was broadcast to. A
    comparison with NaN is false, so NaN in ``a`` sends no gradient anywhere, and NaN in a bound none to ``a`` (an
    infinite ``a`` above ``high`` still sends its gradient to ``high``, as in PyTorch).

    Mixed dtypes promote as ``+`` (:func:`promoted_dtype`), as ``torch.clamp``: an integer ``a`` with float32
    bounds is float32, a float32 ``a`` with int64 or bool bounds float32 (a bool bound is 0 and 1).
    """

    @staticmethod
    def forward(ctx, a, low=None, high=None):
        xp = ctx.xp
        numbers = ("real floating", "integral")
        for name, bound in (("min", low), ("max", high)):     # a bool bound is 0 and 1 beside numbers, as in torch
            if bound is not None and not (xp.isdtype(bound.dtype, numbers) or
                                          (bound.dtype == xp.bool and xp.isdtype(a.dtype, numbers))):
                raise TypeError(f"clip(): `{name}` must hold numbers. Received {name} of dtype "
                                f"{dtype_name(bound.dtype)}")
        try:
            shape = tuple(xp.broadcast_shapes(*(tuple(t.shape) for t in (a, low, high) if t is not None)))
        except ValueError:
            raise broadcast_error("clip", *(t for t in (a, low, high) if t is not None)) from None
        ctx.input_shape = tuple(a.shape)
        a = xp.broadcast_to(a, shape) if tuple(a.shape) != shape else a
        kept = a
        if low is not None:
            a, low = promoted(xp, a, low)
            kept = choose(xp, xp.isnan(low) | (a < low), low, a)
        out = kept
        if high is not None:
            kept, high = promoted(xp, kept, high)
            out = choose(xp, xp.isnan(high) | (kept > high), high, kept)
        ctx.save_for_backward(a, low, high)
        return out

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a, low, high = ctx.saved_tensors
        to_a = xp.ones(a.shape, dtype=xp.bool)                      # (comparisons with NaN are False)
        if low is not None:
            to_a = to_a & (a >= low)
            to_low = (a < low) if high is None else (a < low) & (low < high)
        if high is not None:
            to_a = to_a & (a <= high)
            to_high = (a > high) if low is None else (a > high) | (high < low)
        return (unbroadcast(xp, keep_where(xp, to_a, grad), ctx.input_shape),
                None if low is None else unbroadcast(xp, keep_where(xp, to_low, grad), low.shape),
                None if high is None else unbroadcast(xp, keep_where(xp, to_high, grad), high.shape))


@register_op("cast", samples=lambda rng: [Sample((rng.standard_normal((2, 3)),), {"dtype": "float64"}),
                                          Sample((np.asarray(0.5),), {"dtype": "float64"}),
                                          Sample((np.zeros((0, 2)),), {"dtype": "float64"})],
             special_points=lambda rng: [Sample((special_values(),), {"dtype": "float32"}),
                                         Sample((np.array([1e300, -1e300, 1e-300]),), {"dtype": "float32"}),
                                         *[Sample(edge.args, {"dtype": "float32"}) for edge in edge_shapes(rng)]])
class Cast(Function):
    """Change the dtype (a name such as ``"float32"`` or a dtype of the backend); the gradient is cast back to the
    input's dtype: d/da = 1."""

    @staticmethod
    def forward(ctx, a, dtype):
        ctx.input_dtype = a.dtype
        # float64 -> float16 of 1e5 is inf, silently (Function.apply); a TypeError naming `dtype` if unknown
        return ctx.xp.astype(a, getattr(ctx.xp, _check_dtype(dtype)))

    @staticmethod
    def backward(ctx, grad):
        return ctx.xp.astype(grad, ctx.input_dtype)


# ------------------------------------------------------------------------------------------- operator helpers
def array_keeps_its_dtype(other, dtype):
    """Whether the array ``other``, an operand of a tensor of ``dtype``'s operator (``t + other``), takes part with
    its own dtype, as a PyTorch tensor of that dtype would, instead of being cast to the tensor's: a floating array
    always (``float16 tensor * float32 array`` is float32), an integer or bool array beside an integer or bool tensor
    (``int8 tensor + int64 array`` is int64, as in PyTorch: casting the array to int8 had wrapped ``1000`` to
    ``-24``, and ``int8_t < np.array([1000])`` was False; found by a tester). An integer array beside a floating
    tensor is cast to the tensor's dtype (``float32 tensor * int64 array`` is float32, as in PyTorch).

    Raises:
        TypeError: for a PyTorch tensor, which is no array of this package's backends (``t + torch_tensor`` met
            NumPy's "Cannot interpret 'torch.float32' as a data type", and ``t == torch_tensor`` was ``False``).

    >>> import numpy as np
    >>> [array_keeps_its_dtype(a, d) for a, d in ((np.ones(2), "int8"), (np.ones(2, int), "int8"),
    ...                                            (np.ones(2, int), "float32"))]
    [True, True, False]
    """
    refuse_torch_tensor(other)
    return is_floating(other) or not dtype_name(dtype).startswith("float")


def refuse_torch_tensor(other, action="combine a tinygradconv tensor with"):
    """``TypeError`` for a PyTorch tensor (``other``), which is no array of this package's backends, saying how to
    convert it; ``action`` says what was attempted ("index a tinygradconv tensor with")."""
    if type(other).__module__.partition(".")[0] == "torch":
        raise TypeError(f"Cannot {action} a {type(other).__module__}.{type(other).__name__} (PyTorch): convert it "
                        "first, e.g. tg.tensor(t.detach().numpy()), or convert ours with "
                        "torch.from_numpy(ours.numpy())")


def compare(tensor, other, op):
    """``op`` (``==``, ``<``, ...) of ``tensor`` and ``other``, for the comparison operators of :class:`Tensor`: not
    differentiable, a bool tensor.

    An operand that is not tensor-like (None, a string, an arbitrary object, a list that is not numeric) gives
    ``NotImplemented``, so Python falls back as for any object: ``t == None`` is False, ``t != "a"`` True,
    ``t < None`` a ``TypeError`` (as in PyTorch). A PyTorch tensor is a ``TypeError`` that says how to convert it.

    A bool tensor compared with a number compares its values as the numbers 0 and 1 (``False``, ``True``) with it,
    as PyTorch and NumPy do: ``tg.tensor([True, False]) > 0`` is ``[True, False]``, ``== 0.5`` all False (with
    ``True`` and ``False`` too: array-api-strict refuses ``<`` between bools). An integer tensor compared with a
    number its dtype cannot hold (``int_t < 2.5``, ``int8_t == 1000``) compares its values with the number, as
    NumPy 2 does (it was refused); PyTorch compares ``2.5`` so too, but casts an integer to the tensor's dtype
    first (``int8_t == 1000`` is ``int8_t == -24`` there), a difference kept. In arithmetic a float promotes the
    tensor (``int_t + 2.5`` is float32) and an integer beyond the dtype is refused (:func:`number_beside_integers`).
    Two bool tensors compare as 0 and 1 (``m < m``), as PyTorch, on every backend.
    """
    if other.__class__ is not Tensor:
        refuse_torch_tensor(other)
        number = _number_in_float64(tensor, other) if isinstance(other, (numbers.Real, np.bool_)) else None
        if number is not None:      # bools, or integers and a number their dtype cannot hold: values in float64
            xp = tensor.backend.xp
            return Tensor._make(op(xp.astype(tensor.data, xp.float64), number), tensor.backend, False, None)
        if tensor.dtype == tensor.backend.xp.bool and _numbers_not_bools(other):
            # numbers in a list or an array (NumPy hands `np.int64(2) == t` over as a 0-d array): the bools as 0
            # and 1 against them, not the numbers cast to bool (which made 2 True), as PyTorch and NumPy compare
            xp = tensor.backend.xp
            tensor = Tensor._make(xp.astype(tensor.data, xp.float64), tensor.backend, False, None)
            other = Tensor(np.asarray(other, dtype=np.float64), backend=tensor.backend)
        if other is None or isinstance(other, (str, bytes)) or not (
                isinstance(other, (numbers.Number, list, tuple, np.ndarray, np.generic)) or
                hasattr(other, "__array_namespace__") or isinstance(other, Tensor)):
            return NotImplemented
        try:
            other = tensor._lift(other)
        except (TypeError, ValueError):
            if isinstance(other, numbers.Number):  # a number an integer tensor cannot hold: a clear error
                raise
            return NotImplemented
    if other.backend is not tensor.backend:
        raise ValueError(f"Cannot compare tensors on different backends: {tensor.backend.name!r} and "
                         f"{other.backend.name!r}. Move one with .to({tensor.backend.name!r}).")
    xp = tensor.backend.xp
    a, b = promoted(xp, tensor.data, other.data)
    try:
        return Tensor._make(op(a, b), tensor.backend, False, None)
    except ValueError:
        raise ValueError(f"Cannot compare tensors of shapes {tensor.shape} and {other.shape}: they do not "
                         "broadcast") from None
    except TypeError:
        if a.dtype != xp.bool:
            raise
    # two bools (promoted) on array-api-strict, which refuses `<` on them: as 0 and 1, as PyTorch compares them
    return compare(Tensor._make(xp.astype(a, xp.int8), tensor.backend, False, None),
                   Tensor._make(xp.astype(b, xp.int8), tensor.backend, False, None), op)


def _numbers_not_bools(other):
    """Whether ``other`` is a list, tuple or NumPy array of integers or floats (not of bools)."""
    if not isinstance(other, (list, tuple, np.ndarray)):
        return False
    try:
        return np.asarray(other).dtype.kind in "iuf"
    except (ValueError, TypeError):              # a ragged list: the usual path says what is wrong
        return False


def _number_in_float64(tensor, number):
    """The float64 that a bool or integer ``tensor``'s values (bools as 0 and 1) are compared with in place of
    ``number``, as NumPy compares them; ``None`` where ``tensor`` compares ``number`` in its own dtype (a float
    tensor, or an integer one that holds ``number``).

    Any number beside bools is itself (exact for bools, and for the order of any number with them); beside integers,
    a number the dtype cannot hold: ``2.5`` is itself (exact for integers of up to 32 bits; int64 values beyond
    ``2**53`` are rounded first), an integer beyond the dtype is an infinity of its sign (exact: it is above or
    below every value, where ``float(2**63)`` would equal ``2**63 - 1``), as is one beyond float64 beside bools."""
    name = dtype_name(tensor.dtype)
    if name.startswith("float") or (name != "bool" and _number_fits(number, name)):
        return None
    if name != "bool" and isinstance(number, (numbers.Integral, np.integer)):      # an integer beyond the dtype
        return math.inf if number > 0 else -math.inf
    try:
        return float(number)
    except OverflowError:                                   # an integer too large for float64, beside bools
        return math.inf if number > 0 else -math.inf


#: The in-place method each in-place operator is (``t += x`` is ``t.add_(x)``, as in PyTorch).
_IN_PLACE_METHODS = {"+=": "add_", "-=": "sub_", "*=": "mul_", "/=": "div_", "**=": "pow_", "%=": "remainder_",
                     "//=": "floor_divide_", "&=": "bitwise_and_", "|=": "bitwise_or_", "^=": "bitwise_xor_",
                     "<<=": "bitwise_left_shift_", ">>=": "bitwise_right_shift_"}


def in_place(tensor, other, operator, symbol):
    """``tensor += other`` (and ``-=``, ``*=``, ``/=``, ``**=``, ``%=``, ``//=``, and for bool and integer tensors
    ``&=``, ``|=``, ``^=``, ``<<=``, ``>>=``): ``operator`` is the plain
    operator (``Tensor.__add__``). The result is written into the tensor itself, as PyTorch's in-place operators
    write it: ``t += 1`` is ``t.add_(1)`` (:func:`~tinygradconv.torch_in_place.write_in_place`), so every other
    name of the tensor, and every view of it, sees the new values (``a = tg.tensor([1., 2.]); b = a; a += 1``
    changes ``b`` too). So the manual update ``for p in params: p -= lr * p.grad`` under ``no_grad()`` changes the
    parameters.

    * Under ``no_grad()``, or for a tensor outside the graph: a plain write; a ``backward`` through a graph that
      saved the tensor (or a view of it) before the write raises PyTorch's "modified by an inplace operation"
      (:mod:`tinygradconv.in_place`).
    * An op's output that requires grad (``y = x * 2; y += 1``), or an ``other`` that requires grad, while
      gradients are recorded: the write is recorded in the graph (``y.grad_fn`` is ``<AddBackward>``).
    * A leaf that requires grad (or a view of one), while gradients are recorded: ``RuntimeError``, as PyTorch's
      "a leaf Variable that requires grad is being used in an in-place operation".
    * A result of another shape (broadcasting) is a ``ValueError``; a float result for an integer tensor
      (``i += 0.5``, ``i /= 2``) a ``TypeError``, as PyTorch refuses them. Write ``t = t + other`` for a new tensor.
    """
    from ..torch_in_place import write_in_place

    return write_in_place(tensor, _IN_PLACE_METHODS[symbol], operator, (other,), ("other",),
                          instead=f"t = t {symbol[:-1]} other")


# ------------------------------------------------------------------------------------------- functional API
def _as_tensor(x, like=None):
    if isinstance(x, Tensor):
        return x
    if like is not None:
        return like._lift(x)
    return Tensor(x)


def _binary(fn, a, b):
    if isinstance(a, Tensor):
        return fn.apply(a, a._lift(b))
    b = _as_tensor(b)
    return fn.apply(b._lift(a), b)


def add(a, b):
    """``a + b`` with broadcasting."""
    return _binary(Add, a, b)


def sub(a, b):
    """``a - b`` with broadcasting. A bool operand is a ``TypeError``, as in PyTorch."""
    if isinstance(a, Tensor):
        return Sub.apply(a, subtrahend(a, b))
    b = _as_tensor(b)
    return Sub.apply(subtrahend(b, a), b)


def mul(a, b):
    """``a * b`` with broadcasting."""
    return _binary(Mul, a, b)


def div(a, b, *, rounding_mode=None):
    """``a / b`` with broadcasting, as ``torch.div``: true division when ``rounding_mode`` is None; ``"trunc"`` and
    ``"floor"`` round the quotient towards zero or minus infinity, integers staying integers
    (:func:`~tinygradconv.ops.rounded_division.rounded_div`, which also says what it raises).

    >>> import tinygradconv as tg
    >>> x = tg.tensor([-7, 7], dtype="int64")
    >>> div(x, 2).tolist(), div(x, 2, rounding_mode="floor").tolist()
    ([-3.5, 3.5], [-4, 3])
    """
    if rounding_mode is None:
        return _binary(Div, a, b)
    # imported here: rounded_division builds on this module
    from .rounded_division import rounded_div

    return rounded_div(a, b, rounding_mode)


def pow(a, b):
    """``a ** b`` with broadcasting (see :func:`power`)."""
    return power(a, b)


def power(base, exponent):
    """``base ** exponent`` with broadcasting: the ``**`` operator of tensors and :func:`pow`.

    A float tensor and a Python or NumPy number take PyTorch's paths for a number, which keep the number itself
    for the gradient: :class:`PowScalar` (``x ** 2.2``) and :class:`ScalarPow` (``1.1 ** x``); so does an integer
    tensor beside a float number, converted to ``floatx()`` first (``int32 [0, 1] ** 1e-320`` is ``[0.0, 1.0]``,
    as PyTorch's). Two tensors, and integer tensors beside integers, take :class:`Pow`.
    """
    base_bools, exponent_bools = _holds_bools(base), _holds_bools(exponent)
    if base_bools or exponent_bools:
        if base_bools and isinstance(exponent, (bool, np.bool_)):    # PyTorch's pow(Tensor, Scalar) of bools
            return _bool_power(base, exponent)
        refuse_bool_operands("**", base_bools or isinstance(base, (bool, np.bool_)), exponent_bools)
        if isinstance(base, Tensor):    # a bool tensor beside a number: its 0 and 1 (mask ** 2 is int64, as torch)
            base = bool_beside_number(base, exponent)
        if isinstance(exponent, Tensor):
            exponent = bool_beside_number(exponent, base)
    if isinstance(base, Tensor) and _is_float_number(exponent) and not is_floating(base):
        base = base.astype(config.floatx())         # int_t ** 1e-320: [0.0, 1.0], as torch (not float32 0 ** 0)
    elif isinstance(exponent, Tensor) and _is_float_number(base) and not is_floating(exponent):
        exponent = exponent.astype(config.floatx())
    number = _scalar(exponent) if isinstance(base, Tensor) and is_floating(base) else None
    if number is not None:
        return PowScalar.apply(base, exponent=number)
    number = _scalar(base) if isinstance(exponent, Tensor) and is_floating(exponent) else None
    if number is not None:
        return ScalarPow.apply(exponent, base=number)
    return _binary(Pow, base, exponent)


def _is_float_number(x):
    """Whether ``x`` is a Python or NumPy float (not an int, a bool or an array): the number beside which an
    integer tensor is taken in ``floatx()`` and raised by PyTorch's number path (:class:`PowScalar`,
    :class:`ScalarPow`), which keeps the number itself: ``int32 [0, 1] ** 1e-320`` is ``[0.0, 1.0]``, as torch
    (converted to a float32 tensor first, ``1e-320`` was 0 and ``0 ** 0`` gave 1)."""
    return isinstance(x, (float, np.floating))


def _holds_bools(x):
    """Whether ``x`` is a bool tensor or array (not a Python or NumPy bool number)."""
    return hasattr(x, "dtype") and not isinstance(x, np.generic) and dtype_name(x.dtype) == "bool"


def _bool_power(base, exponent):
    """``base ** exponent`` of a bool tensor and a bool number, a bool tensor as PyTorch's: ``base ** True`` is
    ``base``, ``base ** False`` all True (``x ** 0 = 1``). Bools carry no gradient."""
    xp = base.backend.xp
    return Tensor(xp.logical_or(base.data, not exponent), backend=base.backend, dtype="bool")


def rdiv(x, other):
    """``other / x`` for a tensor ``x`` and an ``other`` that is not a tensor: the reflected ``/`` operator.

    For a float ``x`` and a Python or NumPy number ``other`` this is ``reciprocal(x) * other``, as PyTorch's
    ``Tensor.__rtruediv__`` computes it (its values and gradients can differ from a true division by a rounding;
    in float16, ``1e5 / x`` has the gradient ``-inf`` where the product ``grad * 1e5`` overflows, as in PyTorch).
    An array or a list (``np.array([2.0]) / x``) is a true division in the promoted dtype, as
    ``tensor(other) / x`` and PyTorch's ``torch.from_numpy(other) / x`` (a float64 array over a float16 tensor
    is float64 and exact, not a float16 reciprocal widened). Integer tensors are divided as NumPy divides them
    (:class:`Div`).

    >>> x = Tensor(np.array([3.0], np.float16))
    >>> (2.0 / x).tolist(), (np.array([2.0]) / x).tolist()
    ([0.66650390625], [0.6666666666666666])
    """
    if is_floating(x) and isinstance(other, (numbers.Number, np.generic)):     # a number (True too), not an array
        return Reciprocal.apply(x) * other
    return x._scaled(Div, other, reflected=True)


def reciprocal(x):
    """``1 / x`` element-wise (``torch.reciprocal``, ``keras.ops.reciprocal``); integer inputs give floats.

    >>> reciprocal(Tensor([2.0, -0.5])).tolist()
    [0.5, -2.0]
    """
    return Reciprocal.apply(_as_tensor(x))


def rsqrt(x):
    """``1 / sqrt(x)`` element-wise (``torch.rsqrt``, ``keras.ops.rsqrt``): :class:`Rsqrt`, d/dx = ``-0.5 / x**1.5``
    (computed as PyTorch does, ``-0.5 * grad * rsqrt(x)**3``).

    Args:
        x: a Tensor (or data, converted by :class:`~tinygradconv.Tensor`'s rule), any shape.

    Returns:
        A Tensor of ``x``'s shape: ``x``'s float dtype, ``floatx()`` (float32 by default) for an integer or bool
        ``x`` (as PyTorch's default dtype; Keras 3: float32). ``inf`` at 0, ``-inf`` at ``-0.0``, 0 at ``inf``,
        NaN below 0.

    See https://pytorch.org/docs/stable/generated/torch.rsqrt.html (Keras 3: ``keras.ops.rsqrt``, in keras.ops.math)

    >>> x = Tensor([4.0, 0.25], requires_grad=True)
    >>> y = rsqrt(x)
    >>> y.tolist()
    [0.5, 2.0]
    >>> y.sum().backward()
    >>> x.grad.tolist()
    [-0.0625, -4.0]
    """
    return Rsqrt.apply(_as_tensor(x))


def _scalar(x):
    """``x`` as a float when it is a real number that a float holds (what PyTorch takes as a Scalar), else None (an
    int beyond float64, such as ``10**400``, goes the general way)."""
    if not _is_number(x):
        return None
    try:
        return float(x)
    except OverflowError:
        return None


#: The floating dtypes by name, narrowest first (a Tensor holds no other floating dtype).
FLOATS = _FLOAT_KINDS


def is_floating(x):
    """Whether the tensor or array ``x`` holds float16, float32 or float64: the dtype's name is looked up, in a
    fifth of the time of ``xp.isdtype(x.dtype, "real floating")`` (about 0.35 us against 2.0 us, a tenth of a
    small sum)."""
    return dtype_name(x.dtype) in FLOATS


def floor_divide(a, b):
    """``a // b`` with broadcasting (:class:`FloorDivide`: no gradient, as in PyTorch); a float16 tensor divided by
    a number float16 cannot hold takes the number in float32, as PyTorch (:func:`float16_number_in_float32`)."""
    out = float16_number_in_float32(FloorDivide, a, b)
    return _binary(FloorDivide, a, b) if out is None else out


def remainder(a, b):
    """``a % b`` with broadcasting, of the sign of ``b`` (:class:`Remainder`)."""
    return _binary(Remainder, a, b)


def maximum(a, b):
    """Element-wise maximum of two tensors (or a tensor and a number)."""
    return _binary(Maximum, a, b)


def minimum(a, b):
    """Element-wise minimum of two tensors (or a tensor and a number)."""
    return _binary(Minimum, a, b)


#: ``where``'s ``a`` and ``b`` when not given (``torch.where(condition)`` with one argument: refused, with a hint).
_NOT_GIVEN = object()


def _number_kind(value):
    """``bool``, ``int`` or ``float`` for a Python or NumPy number of that kind (PyTorch takes a NumPy scalar as the
    Python number it holds: ``torch.where(c, np.float64(1.5), 0)`` is float32), else None."""
    if isinstance(value, (bool, np.bool_)):
        return bool
    if isinstance(value, (int, np.integer)):
        return int
    return float if isinstance(value, (float, np.floating)) else None


def _where_values(condition, a, b):
    """``a`` and ``b`` of :func:`where` as tensors of one backend, in the dtype ``torch.where`` gives them.

    * Two Python or NumPy numbers: bool for two bools, int64 for ints (and bools), the float type
      (:func:`~tinygradconv.config.floatx`, float32 by default, PyTorch's default dtype) where one is a float
      (``np.float64(1.5)`` too, as PyTorch takes a NumPy scalar as a number). A Python number alone is float32
      here (``tg.tensor(1)``), which ``torch.where(c, 1, 0)`` is not (int64).
    * A number beside a tensor as the tensor's operators take it (``Tensor._lift``): an integer or bool tensor beside
      a Python or NumPy float (``np.float64(2.5)``, ``np.float16(2.5)``) gives the float type
      (``torch.where(c, int_t, 1.5)`` is float32, :func:`number_beside_integers`), as ``int_t + 1.5`` does; any
      other number takes the tensor's dtype: ``where(c, f16_t, 1)`` is float16, as PyTorch's.
    """
    if isinstance(a, Tensor):
        return (a, b) if isinstance(b, Tensor) else (a, a._lift(b))
    if isinstance(b, Tensor):
        return b._lift(a), b
    backend = condition.backend if isinstance(condition, Tensor) else None
    if _number_kind(a) and _number_kind(b):
        kinds = {_number_kind(a), _number_kind(b)}
        dtype = "bool" if kinds == {bool} else config.floatx() if float in kinds else "int64"
        return Tensor(a, dtype=dtype, backend=backend), Tensor(b, dtype=dtype, backend=backend)
    a = Tensor(a, backend=backend)
    return a, a._lift(b)


def where(condition, a=_NOT_GIVEN, b=_NOT_GIVEN):
    """``a`` where ``condition`` is true, else ``b`` (broadcasting); differentiable in ``a`` and ``b``, as
    ``torch.where(condition, input, other)``.

    dtype: that of ``a`` and ``b`` promoted, as ``torch.where``: a Python number beside a tensor takes the tensor's
    dtype (a float one beside an integer or bool tensor gives the float type, float32 by default; a NumPy number as
    the Python number it holds, as PyTorch); two Python numbers give bool (two bools), int64 (ints) or the float
    type (a float among them), as PyTorch (``torch.where(c, 1, 0)`` is int64, ``torch.where(c, 1.5, 0)`` float32).

    Raises:
        TypeError: a ``condition`` that is not boolean (a bool Tensor, array or list of bools), as ``torch.where``
            refuses a float one: ``0.5`` would otherwise be taken as true and ``None`` as false (a uint8 tensor
            or NumPy array is read as ``condition != 0`` with a ``UserWarning``, as ``torch.where`` reads it and
            warns it is deprecated; other integer dtypes are refused, as PyTorch refuses them); ``a`` or ``b``
            not given (``torch.where(condition)`` with one argument returns the indices of the true elements,
            which this function does not).
        ValueError: a condition on another backend than the values.

    >>> import tinygradconv as tg
    >>> c = tg.tensor([1.0, -2.0, 3.0]) > 0
    >>> str(where(c, 1, 0).dtype), str(where(c, 1.5, 0).dtype), str(where(c, True, False).dtype)
    ('int64', 'float32', 'bool')
    >>> where(c, tg.tensor([1.0, 2.0, 3.0]), 0.0).tolist()
    [1.0, 0.0, 3.0]
    """
    if a is _NOT_GIVEN or b is _NOT_GIVEN:
        missing = " and ".join(name for name, value in (("a", a), ("b", b)) if value is _NOT_GIVEN)
        raise TypeError(f"where() missing argument {missing}: where(condition, a, b) takes the values to choose "
                        f"from (a where condition is true, else b). "
                        f"torch.where(condition) with one argument returns the indices of the true elements "
                        f"(torch.nonzero(condition, as_tuple=True)), which has no op here (no gradient flows "
                        f"through indices): use np.nonzero(condition.numpy()), or "
                        f"tg.tensor(np.argwhere(condition.numpy()), dtype='int64') for torch.nonzero(condition)")
    a, b = _where_values(condition, a, b)
    if isinstance(condition, Tensor):
        condition, name = condition.detach(), condition.name
        condition.name = name                               # a graph's box keeps it (Dropout's mask)
        if condition.backend is not a.backend:
            raise ValueError(f"where(): condition is on backend {condition.backend.name!r} but the values are on "
                             f"{a.backend.name!r}")
        kind = dtype_name(condition.dtype)
        if kind == "uint8":
            condition = _uint8_condition(condition) != 0
            kind = "bool"
        received = None if kind == "bool" else f"a {kind} tensor.{float_mask_hint(kind)}"
    elif isinstance(condition, (np.ndarray, list, tuple, bool, np.bool_)):
        array = np.asarray(condition)
        if isinstance(condition, np.ndarray) and array.dtype == np.uint8:
            array = _uint8_condition(array) != 0
        received = None if array.dtype == bool else f"a {type(condition).__name__} of dtype {array.dtype}"
        condition = Tensor(array, dtype="bool", backend=a.backend) if received is None else condition
    else:
        received = f"{condition!r} of type {type(condition).__name__}"
    if received is not None:
        raise TypeError(f"Invalid type for argument `condition` of where: expected a bool tensor (e.g. `x > 0`), as "
                        f"torch.where. Received {received}")
    return Where.apply(condition, a, b)


def _uint8_condition(condition):
    """``condition``, a uint8 tensor or NumPy array, after PyTorch's deprecation warning: ``torch.where`` reads a
    uint8 condition as ``condition != 0`` and warns (every other integer dtype it refuses, as :func:`where` does)."""
    warnings.warn("where received a uint8 condition: it is read as condition != 0, as torch.where reads it; PyTorch "
                  "deprecates it (and will remove it): pass a bool condition (condition != 0, or "
                  "condition.bool())", UserWarning, stacklevel=caller_stacklevel())
    return condition


def _check_bounds(min, max):
    for name, value in (("min", min), ("max", max)):
        if value is not None and (isinstance(value, bool) or not isinstance(value, numbers.Real)):
            raise TypeError(f"clip(): `{name}` must be a number or None. Received {name}={value!r}")


def _is_number(x):
    """Whether ``x`` is a Python or NumPy real number other than a bool (what PyTorch takes as a Scalar; a bound of
    :func:`clip`, an exponent, an attribute of an op), not a tensor, array or list."""
    return isinstance(x, numbers.Real) and not isinstance(x, (bool, np.bool_))


def clip(x, min=None, max=None):
    """Clamp ``x`` into ``[min, max]``: either bound a number, a tensor (or array) that broadcasts to ``x``'s shape,
    or None. Number bounds go through :class:`Clip`, tensor bounds through :class:`ClipBounds` (whose gradient
    reaches the bounds too, as ``torch.clamp``'s; a NumPy array or list is a constant bound).

    Where the bounds cross (``min > max``) the result is ``max``, with no gradient to ``x``, as ``torch.clamp`` and
    ``keras.ops.clip`` give it.

    dtype: ``x``'s, except for an integer or bool ``x`` with a float number bound (``clip(int32_tensor, 0.5,
    2.5)``), which gives the configured float type :func:`~tinygradconv.config.floatx` (``float32`` by default),
    as both ``torch.clamp`` (its default dtype) and ``keras.ops.clip`` give ``float32`` there. Integer bounds keep
    an integer ``x``'s dtype, as in both. A bool ``x`` with integer number bounds is int64, as ``torch.clamp``
    gives it (Keras gives int32). A bool number bound is 1 or 0 (``clip(x, min=True)``), as in PyTorch.

    Raises:
        TypeError: a bound that is neither a number, a tensor nor None; an integer bound outside an integer
            ``x``'s dtype (``clip(int8_tensor, 0, 1000)``); a bool bound (number or tensor) on a bool ``x``
            (PyTorch refuses a bool number there; write ``x | low`` and ``x & high`` for bool bounds). ValueError: a
            tensor bound that does not broadcast to ``x``'s shape.

    >>> import tinygradconv as tg
    >>> x, high = tg.tensor([-2.0, 0.5, 3.0]), tg.tensor([1.0, 1.0, 2.0], requires_grad=True)
    >>> y = clip(x, -1.0, high)
    >>> y.tolist()
    [-1.0, 0.5, 2.0]
    >>> y.sum().backward()
    >>> high.grad.tolist()
    [0.0, 0.0, 1.0]
    """
    x = _as_tensor(x)
    if dtype_name(x.dtype) == "bool":
        _refuse_bool_bounds(min, max)
        if any(isinstance(b, numbers.Integral) for b in (min, max)):    # (NumPy integers too)
            x = x.astype("int64")           # clip(mask, min=2) is int64 [2, 2], as torch.clamp
    min, max = (int(b) if isinstance(b, (bool, np.bool_)) else b for b in (min, max))     # True is 1, as in torch
    if any(not _is_number(b) and (isinstance(b, (Tensor, list, tuple)) or hasattr(b, "shape")) for b in (min, max)):
        return ClipBounds.apply(x, *(_bound_tensor(x, b, name) for b, name in ((min, "min"), (max, "max"))))
    if not is_floating(x) and any(_is_number(b) and not isinstance(b, numbers.Integral) for b in (min, max)):
        x = x.astype(config.floatx())       # a float bound makes the result float, as torch.clamp and Keras
    min, max = (b.item() if isinstance(b, np.generic) else b for b in (min, max))   # NumPy numbers as Python's
    return Clip.apply(x, min=min, max=max)


def _refuse_bool_bounds(min, max):
    """The ``TypeError`` of :func:`clip` for a bool bound (a number, or a tensor or array of bools) on a bool
    tensor, saying what PyTorch does and what to write."""
    for name, bound in (("min", min), ("max", max)):
        if isinstance(bound, (bool, np.bool_)) or _holds_bools(bound) or _list_of_bools(bound):
            received = f"{name}={bound!r}" if isinstance(bound, (bool, np.bool_)) else f"{name} holding bools"
            raise TypeError(f"Invalid type for argument `{name}` of clip: a bool bound on a bool tensor (received "
                            f"{received}); torch.clamp refuses a bool number there and gives bool for a bool "
                            f"tensor bound. Write `x {'|' if name == 'min' else '&'} {name}` for that bound of "
                            f"bools, or cast first, e.g. x.astype('int64')")


def _bound_tensor(x, bound, name):
    """A bound of :func:`clip` as a tensor beside ``x`` (None stays None; a number takes ``x``'s dtype)."""
    if bound is None or isinstance(bound, Tensor):
        return bound
    if isinstance(bound, (str, bytes, bool)) or not (isinstance(bound, (numbers.Real, list, tuple))
                                                     or hasattr(bound, "shape")):
        raise TypeError(f"clip(): `{name}` must be a number, a tensor or array, or None. Received {name}={bound!r}")
    return x._lift(bound)
