r"""Activation functions (Keras 3 names, arguments and math), differentiable, built from Tensor ops.

Each activation is a function ``Tensor -> Tensor`` (lists and arrays are converted). ``get(identifier)`` looks one up:
``None`` gives :func:`linear`, a name gives the function, ``{"class_name": "relu", "config": {"max_value": 6.0}}`` or
:class:`ActivationFunction` gives one with fixed keyword arguments. The activation layers ``ReLU``, ``LeakyReLU``,
``ELU`` and ``Softmax`` (:mod:`tinygradconv.layers`) serve as activations too, as in Keras 3: serialized as
``{"class_name": "LeakyReLU", "config": layer.get_config()}`` (a layer's ``get_config``, ``.keras`` files and model
JSON write Keras' form, with ``"module": "keras.layers"``) and read back as the layer; ``PReLU``, whose weight an
activation cannot hold, is refused.

==============  =============================================================================================
name            definition
==============  =============================================================================================
linear          :math:`x`
relu            Keras ``relu(x, negative_slope=0, max_value=None, threshold=0)``: :math:`x` above ``threshold``
                (else 0), clipped to ``[0, max_value]``, plus ``negative_slope * (x - threshold)`` below it
relu6           :math:`\min(\max(x, 0), 6)`
leaky_relu      :math:`x` for :math:`x > 0`, else ``negative_slope`` :math:`\cdot x` (default 0.2, as Keras 3)
elu             :math:`x` for :math:`x > 0`, else :math:`\alpha (e^x - 1)` (``alpha=1``)
selu            :math:`\lambda\,\mathrm{elu}(x, \alpha)` with :math:`\alpha \approx 1.6732632`,
                :math:`\lambda \approx 1.0507010`
gelu            exact :math:`\tfrac{x}{2}(1 + \mathrm{erf}(x/\sqrt{2}))` (default, Keras 3);
                ``approximate=True``: :math:`\tfrac{x}{2}(1 + \tanh(\sqrt{2/\pi}(x + 0.044715 x^3)))`
silu, swish     :math:`x\,\sigma(x)`
sigmoid         :math:`\sigma(x) = 1 / (1 + e^{-x})`
hard_sigmoid    :math:`\mathrm{relu6}(x + 3) / 6` (Keras 3)
tanh            :math:`\tanh x`
softplus        :math:`\log(1 + e^x)`
softsign        :math:`x / (|x| + 1)`
softmax         :math:`e^{x_i} / \sum_j e^{x_j}` along ``axis`` (default -1; a tuple of axes or None as Keras 3),
                one op shifted by the maximum, as PyTorch's
log_softmax     :math:`x_i - \log \sum_j e^{x_j}` along ``axis`` (an int, a tuple of ints or None)
exponential     :math:`e^x`
mish            :math:`x \tanh(\mathrm{softplus}(x))`
celu            :math:`x` for :math:`x > 0`, else :math:`\alpha\,(e^{x/\alpha} - 1)` (``alpha=1``)
glu             :math:`a\,\sigma(b)`, ``x`` split in halves ``a, b`` along ``axis`` (default -1)
hard_silu       :math:`x\,\mathrm{relu6}(x + 3) / 6` (also named ``hard_swish``)
hard_tanh       :math:`\min(\max(x, -1), 1)`
hard_shrink     :math:`x` where :math:`|x| >` ``threshold`` (default 0.5), else 0
soft_shrink     :math:`x \mp` ``threshold`` beyond :math:`\pm` ``threshold`` (default 0.5), else 0
log_sigmoid     :math:`\log \sigma(x) = -\mathrm{softplus}(-x)`
tanh_shrink     :math:`x - \tanh x`
sparse_plus     0 for :math:`x \le -1`, :math:`(x + 1)^2 / 4` for :math:`|x| < 1`, :math:`x` for :math:`x \ge 1`
sparse_sigmoid  0 for :math:`x \le -1`, :math:`(x + 1) / 2` for :math:`|x| < 1`, 1 for :math:`x \ge 1`
sparsemax       :math:`\max(x - \tau, 0)` along ``axis``, :math:`\tau` making each slice sum to 1
squareplus      :math:`(x + \sqrt{x^2 + b}) / 2` (``b=4``)
threshold       :math:`x` for :math:`x >` ``threshold``, else ``default_value`` (both required)
==============  =============================================================================================

Everything stays finite for inputs of any size (``exponential`` excepted, which overflows like ``exp``, and
``squareplus``, whose ``x^2`` overflows as in Keras): sigmoid, softplus, log_softmax and sparsemax are stable
primitives, and no branch of a ``where`` computes an overflowing value that it returns.

At the special points (kinks, NaN, infinities) values and gradients follow Keras 3 (on its torch backend): the
gradient at a kink is that of Keras (0 for ``relu`` at 0 and ``relu6``/``hard_sigmoid`` at their corners, the left
branch's slope for ``leaky_relu``, ``elu`` and ``selu``), and NaN is never hidden: every activation of NaN is NaN.
Each function's docstring states its points; :doc:`docs/special_points.md </special_points>` collects them.

``erf`` is a primitive here (the Array API has none): :class:`Erf` evaluates the odd series
:math:`\mathrm{erf}(x) = \tfrac{2}{\sqrt\pi} e^{-x^2} \sum_{n \ge 0} \tfrac{2^n x^{2n+1}}{(2n+1)!!}` for
:math:`|x| < 2.5` and the continued fraction
:math:`\mathrm{erfc}(x) = \tfrac{e^{-x^2}}{\sqrt\pi}\,
\cfrac{1}{x + \cfrac{1/2}{x + \cfrac{1}{x + \cfrac{3/2}{x + \dots}}}}`
beyond, with absolute error below ``2e-15`` in float64 (``1e-6`` in float32), checked against :func:`math.erf`. Its
derivative is the exact :math:`\tfrac{2}{\sqrt\pi} e^{-x^2}`.

>>> import tinygradconv as tg
>>> from tinygradconv import activations
>>> activations.get("relu")(tg.tensor([-1.0, 2.0])).tolist()
[0.0, 2.0]
>>> activations.serialize(activations.get(None))
'linear'
"""
from __future__ import annotations

import functools
import inspect
import math

import numpy as np

from . import _lookup, ops
from .autograd import Function, Sample, register_op
from .backend import dtype_name
from .in_place import check_writes_of
from .ops.elementwise import INTEGER_MATH_DTYPE, Expm1, keep_where
from .tensor import Tensor
from .validation import number, refuse_foreign

__all__ = [
    "ActivationFunction",
    "Erf",
    "Gelu",
    "celu",
    "deserialize",
    "elu",
    "erf",
    "exponential",
    "gelu",
    "get",
    "glu",
    "hard_shrink",
    "hard_sigmoid",
    "hard_silu",
    "hard_swish",
    "hard_tanh",
    "leaky_relu",
    "linear",
    "log_sigmoid",
    "log_softmax",
    "mish",
    "relu",
    "relu6",
    "selu",
    "serialize",
    "sigmoid",
    "silu",
    "soft_shrink",
    "softmax",
    "softplus",
    "softsign",
    "sparse_plus",
    "sparse_sigmoid",
    "sparsemax",
    "squareplus",
    "swish",
    "tanh",
    "tanh_shrink",
    "threshold",
]

SELU_ALPHA = 1.6732632423543772848170429916717
SELU_SCALE = 1.0507009873554804934193349852946


def _t(x):
    return x if isinstance(x, Tensor) else Tensor(x)


def _input_saved(fn):
    """``fn`` whose backward pass refuses once ``x`` was written in place after the call ("modified by an inplace
    operation"), as PyTorch's: PyTorch computes it as one op whose node saves ``x`` (``EluBackward``,
    ``HardtanhBackward``...), where here several ops compute it, none of which holds ``x`` itself
    (:func:`~tinygradconv.in_place.check_writes_of`; the table in ``tests/test_saved_versions_s51.py``)."""

    @functools.wraps(fn)
    def checked(x, *args, **kwargs):
        return check_writes_of(fn(x, *args, **kwargs), x)

    return checked


def _float32_inside(fn):
    """``fn`` computed in float32 for a float16 ``x``, its result rounded back to float16 (gradient too, through
    the casts): PyTorch's CPU kernels, which Keras 3 calls on torch, compute half-precision activations in float32
    the same way. Step by step in float16, ``gelu(-5)`` lost every digit (``1 + erf(x / sqrt 2)`` cancels) and the
    gradient of ``sigmoid`` or ``softmax`` was off by hundreds of float16 steps (found by a tester). An integer or
    bool ``x`` is converted first (:func:`_floating`: to float32, as PyTorch and Keras 3, whatever ``floatx()``
    is)."""

    return _half_computed_in("float32", fn)


def _float64_inside(fn):
    """``fn`` computed in float64 for a float16 ``x`` and rounded once to float16 (gradient too): the float16
    result is then the exact one correctly rounded. For :func:`gelu`, whose ``1 + erf(x / sqrt 2)`` and
    ``1 + tanh(...)`` cancel for negative ``x``: in float32 a last-bit error of ``erf`` or ``tanh`` became 2 or 3
    float16 steps of the result near ``x = -4`` (here before, and in PyTorch, which computes float16 in float32;
    found by a tester). float32 and float64 inputs are computed as they are."""
    return _half_computed_in("float64", fn)


def _half_computed_in(wide, fn):
    @functools.wraps(fn)
    def computed(x, *args, **kwargs):
        x = _floating(x)
        if dtype_name(x.dtype) != "float16":
            return fn(x, *args, **kwargs)
        return fn(x.astype(wide), *args, **kwargs).astype("float16")

    return computed


def _floating(x):
    """``x`` as a Tensor of a floating dtype: an integer or bool tensor converted to float32
    (:data:`~tinygradconv.ops.elementwise.INTEGER_MATH_DTYPE`, as Keras 3's activations give float32 for int32 whatever
    ``floatx()`` is; the tensor ops take ``floatx()``, as PyTorch), so that ``x * f(x)`` does not mix integers and
    floats."""
    x = _t(x)
    name = dtype_name(x.dtype)
    return x if name.startswith("float") else x.astype(INTEGER_MATH_DTYPE)


# ---------------------------------------------------------------------------------------------------------- erf
_ERF_SPLIT = 2.5
_ERF_TERMS = {"float64": (40, 30)}  # (series terms, continued-fraction depth) per dtype
_ERF_TERMS_LOW = (24, 10)  # float32


def _series_coefficients(terms):
    """``c_n = 2^n / (2n+1)!!``, so that ``erf(x) = 2/sqrt(pi) e^{-x^2} x sum_n c_n x^{2n}``."""
    coefficients, c = [], 1.0
    for n in range(terms):
        coefficients.append(c)
        c *= 2.0 / (2 * n + 3)
    return coefficients


_ERF_SERIES = {terms: _series_coefficients(terms) for terms, _ in (*_ERF_TERMS.values(), _ERF_TERMS_LOW)}


def _erf_forward(xp, x):
    """erf by the series below ``_ERF_SPLIT`` and the erfc continued fraction above (module docstring).

    The series is evaluated by Horner's rule in ``y = x^2`` and the fraction from the bottom up, in place; a branch
    is skipped when no element needs it.
    """
    if dtype_name(x.dtype) == "float16":  # too few bits for the long sums: compute in float32
        return xp.astype(_erf_forward(xp, xp.astype(x, xp.float32)), x.dtype)
    if 0 in x.shape:  # nothing to compute (and neither branch below would run)
        return xp.zeros_like(x)
    terms, depth = _ERF_TERMS.get(dtype_name(x.dtype), _ERF_TERMS_LOW)
    ax = xp.abs(x)
    small = ax < _ERF_SPLIT
    any_small, all_small = bool(xp.any(small)), bool(xp.all(small))
    out = None
    if any_small:  # series on the small values (the others replaced by 0, so that nothing overflows)
        xs = xp.where(small, x, xp.zeros_like(x)) if not all_small else x
        y = xs * xs
        coefficients = _ERF_SERIES[terms]
        total = xp.full_like(x, coefficients[-1])
        for c in reversed(coefficients[:-1]):
            total *= y
            total += c
        total *= xs
        total *= xp.exp(-y)
        total *= 2.0 / math.sqrt(math.pi)
        out = total
    if not all_small:  # continued fraction on the large magnitudes (the others replaced by the split point)
        a = xp.where(small, xp.full_like(x, _ERF_SPLIT), ax) if any_small else ax
        frac = a
        for m in range(depth, 0, -1):
            frac = (m / 2.0) / frac
            frac += a
        erfc = xp.exp(-a * a) / (math.sqrt(math.pi) * frac)
        tail = xp.where(x < 0, erfc - 1.0, 1.0 - erfc)
        out = tail if out is None else xp.where(small, out, tail)
    return out


def _erf_samples(rng):
    x = rng.uniform(-4.0, 4.0, (3, 5))
    x[0, :3] = [-2.6, 2.4, 0.0]  # both sides of the series/fraction split, and 0
    return [Sample((x,)), Sample((np.asarray(0.3),)), Sample((np.zeros((0, 2)),))]


@register_op("erf", samples=_erf_samples, special_points=ops.elementwise.unary_special_points(2.5, -2.5, 6.0))
class Erf(Function):
    r"""The error function :math:`\mathrm{erf}(x) = \tfrac{2}{\sqrt\pi}\int_0^x e^{-t^2} dt`;
    d/dx = :math:`\tfrac{2}{\sqrt\pi} e^{-x^2}`."""

    @staticmethod
    def forward(ctx, a):
        ctx.save_for_backward(a)
        return _erf_forward(ctx.xp, a)

    @staticmethod
    def backward(ctx, grad):
        (a,) = ctx.saved_tensors
        return grad * ((2.0 / math.sqrt(math.pi)) * ctx.xp.exp(-a * a))


def erf(x):
    """The error function element-wise (a differentiable primitive; see the module docstring for its accuracy).

    >>> import tinygradconv as tg
    >>> round(erf(tg.tensor([1.0], dtype="float64")).item(), 12)
    0.84270079295
    """
    return Erf.apply(_floating(x))


# --------------------------------------------------------------------------------------------------------- gelu
_SQRT_HALF = 1.0 / math.sqrt(2.0)
_TANH_SCALE = math.sqrt(2.0 / math.pi)


def _gelu_samples(rng):
    x = rng.uniform(-4.0, 4.0, (3, 5))
    x[0, :3] = [-2.6 * math.sqrt(2.0), 2.4 * math.sqrt(2.0), 0.0]   # both sides of erf's series/fraction split, 0
    return [Sample((x,), {"approximate": False}), Sample((x,), {"approximate": True}),
            Sample((np.asarray(0.3),), {"approximate": False}), Sample((np.asarray(-1.2),), {"approximate": True}),
            Sample((np.zeros((0, 2)),), {"approximate": False})]


def _gelu_special_points(rng):
    x = np.array([0.0, -0.0, np.nan, np.inf, -np.inf, 3.0, -3.0, 40.0, -40.0, 1e10, -1e10])
    return [Sample((x,), {"approximate": a}) for a in (False, True)] + [
        Sample((np.asarray(-0.0),), {"approximate": False}), Sample((np.zeros((0, 3)),), {"approximate": True})]


@register_op("gelu", samples=_gelu_samples, special_points=_gelu_special_points)
class Gelu(Function):
    r"""The Gaussian error linear unit :math:`x \, \Phi(x)`, as one op saving ``x`` (and the exact form's erf).

    Exact (``approximate=False``): :math:`y = \tfrac{x}{2} (1 + \mathrm{erf}(x / \sqrt 2))` and
    :math:`dy/dx = \Phi(x) + x \, \varphi(x)` with :math:`\Phi(x) = \tfrac12 (1 + \mathrm{erf}(x/\sqrt2))` and
    :math:`\varphi(x) = e^{-x^2/2} / \sqrt{2\pi}` (erf is :func:`_erf_forward`; its value is saved for the
    backward pass, as computing it again doubled the time of forward and backward).

    Tanh form (``approximate=True``): with :math:`u = \sqrt{2/\pi} (x + 0.044715 x^3)` and :math:`t = \tanh u`,
    :math:`y = \tfrac{x}{2} (1 + t)` and
    :math:`dy/dx = \tfrac12 (1 + t) + \tfrac{x}{2} (1 - t^2) \sqrt{2/\pi} (1 + 3 \cdot 0.044715 x^2)`.

    The values are evaluated in the order of the composition they replace (``0.5 * x`` times ``1 + erf``), so they
    are unchanged. At ``x = +-inf`` the gradient is NaN (``inf * 0`` in :math:`x \varphi(x)`), as PyTorch's.
    """

    @staticmethod
    def forward(ctx, a, approximate=False):
        xp = ctx.xp
        if not isinstance(approximate, (bool, np.bool_)):
            raise TypeError(f"Invalid type for argument `approximate`. Expected a bool. "
                            f"Received approximate={approximate!r}")
        ctx.approximate = bool(approximate)
        half = a * 0.5
        if approximate:
            inner = a * a
            inner *= a
            inner *= 0.044715
            inner += a
            inner *= _TANH_SCALE
            one_plus = xp.tanh(inner)
            one_plus += 1.0                   # 1 + tanh(u)
            ctx.save_for_backward(a)          # (tanh is cheap to compute again)
        else:
            erf_value = _erf_forward(xp, a * _SQRT_HALF)
            ctx.save_for_backward(a, erf_value)     # erf(x / sqrt 2) too: ours costs 20-30 passes over x
            one_plus = erf_value + 1.0        # 1 + erf(x / sqrt 2)
        half *= one_plus
        return half

    @staticmethod
    def backward(ctx, grad):
        xp = ctx.xp
        a = ctx.saved_tensors[0]
        if ctx.approximate:
            square = a * a
            t = xp.tanh(_TANH_SCALE * (a + 0.044715 * (square * a)))
            slope = (1.0 - t * t) * (_TANH_SCALE * 0.5) * a
            slope *= 1.0 + (3.0 * 0.044715) * square
            t += 1.0
            t *= 0.5
            slope += t
        else:
            slope = ctx.saved_tensors[1] * 0.5         # Phi(x) = (1 + erf(x / sqrt 2)) / 2
            slope += 0.5
            density = xp.exp(a * a * -0.5)
            density *= a * (1.0 / math.sqrt(2.0 * math.pi))   # x phi(x)
            slope += density
        slope *= grad
        return slope


# ---------------------------------------------------------------------------------------------------------- activations
def linear(x):
    """The identity: ``linear(x) = x``."""
    return _t(x)


def relu(x, negative_slope=0.0, max_value=None, threshold=0.0):
    """Rectified linear unit with Keras' options, computed as Keras 3 computes it.

    Returns ``x`` where ``x > threshold`` (else 0), clipped to ``[0, max_value]`` when ``max_value`` is given, minus
    ``negative_slope * relu(threshold - x)``. The defaults give ``max(x, 0)``.

    Special points (Keras 3): the gradient is 0 at the kink ``x = threshold``; ``relu(nan) = nan`` (gradient 1,
    as ``torch.relu``); with ``max_value`` the result is ``relu(x)`` clipped (gradient 1 at ``x = max_value``,
    0 at NaN), except ``max_value=6``, which is :func:`relu6`. One deliberate difference: with a ``threshold``
    Keras computes ``where(x > threshold, x, 0)``, which turns NaN into 0; here NaN stays NaN (gradient 1).

    At NaN with both ``negative_slope`` and a ``threshold`` (and no ``max_value``) the value is NaN in both, and
    the gradient here is ``1 + negative_slope``: the thresholded part passes NaN with gradient 1 and the negative
    part ``-negative_slope * relu(threshold - x)`` adds ``negative_slope`` (``relu``'s gradient at NaN is 1, as
    ``torch.relu``). Keras gives ``negative_slope``: its ``where`` turns the NaN into 0, with gradient 0, before
    the negative part adds the NaN back. With a ``max_value`` as well, both give ``negative_slope`` (the clip's
    gradient at NaN is 0).

    >>> import tinygradconv as tg
    >>> relu(tg.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), negative_slope=0.5).tolist()
    [-5.0, -2.5, 0.0, 5.0, 10.0]
    >>> relu(tg.tensor([-10.0, -5.0, 0.0, 5.0, 10.0]), threshold=5.0).tolist()
    [0.0, 0.0, 0.0, 0.0, 10.0]
    >>> relu(tg.tensor([float("nan"), -1.0])).tolist()
    [nan, 0.0]
    """
    return _relu(x, negative_slope, max_value, threshold, keep_nan=True)


def _relu(x, negative_slope, max_value, threshold, *, keep_nan):
    """:func:`relu`; with ``keep_nan=False``, Keras 3's own ``where(x > threshold, x, 0)`` when ``threshold != 0``,
    which turns NaN into 0 with gradient 0 (before the negative part, if any, adds NaN back): what the layer
    :class:`~tinygradconv.layers.ReLU` computes, as Keras' layer does."""
    x = _t(x)
    negative_slope = float(number(negative_slope, "negative_slope", finite=True))
    if _is_integer(x) and (negative_slope != 0.0 or max_value is not None or threshold != 0.0):
        # Keras keeps an integer input's dtype: the formula in float64 (exact for int32), cut back (2.5 -> 2)
        return _relu(x.astype("float64"), negative_slope, max_value, threshold, keep_nan=keep_nan).astype(x.dtype)
    if max_value is not None:
        max_value = float(number(max_value, "max_value", low=0, finite=True,
                                 expected="a non-negative number or None"))
    threshold = float(number(threshold, "threshold", finite=True))
    if negative_slope != 0.0 and max_value is None and threshold == 0.0:
        return leaky_relu(x, negative_slope)
    negative_part = (threshold - x).relu() if negative_slope != 0.0 else None
    clip_max = max_value is not None
    if threshold != 0.0 and keep_nan:
        out = ops.where(x <= threshold, 0.0, x)  # NaN is not <= threshold: it stays NaN
    elif threshold != 0.0:
        out = ops.where(x > threshold, x, 0.0)   # Keras': NaN is not > threshold, so it becomes 0
    elif max_value == 6.0:
        out, clip_max = relu6(x), False
    else:
        out = x.relu()
    if clip_max:
        out = out.clip(0.0, max_value)
    if negative_part is not None:
        out = out - negative_slope * negative_part
    return out


def _hard_clip(x, low, high):
    """``clip(x, low, high)`` with the gradient of Keras' ``relu6``/``hard_sigmoid`` (PyTorch's ``hardtanh``):
    1 strictly inside ``(low, high)``, 0 at the bounds, outside and at NaN (whose value stays NaN)."""
    return HardClip.apply(x, low=low, high=high)


class HardClip(Function):
    """:func:`_hard_clip` as one op, as PyTorch's ``hardtanh``: the value of :class:`~tinygradconv.ops.elementwise.Clip`
    (``low < high`` here), whose backward would pass the gradient at the bounds too; d/dx = 1 strictly inside
    ``(low, high)``, else 0 (a NaN or infinite upstream gradient included). Composed of two ``where`` and a ``clip``
    it made seven arrays per call: ``hard_sigmoid`` was 48x torch's forward at 1e6 values (found by a tester)."""

    @staticmethod
    def forward(ctx, x, low, high):
        return ops.elementwise.Clip.forward(ctx, x, min=low, max=high)     # saves x, as PyTorch's HardtanhBackward

    @staticmethod
    def backward(ctx, grad):
        (x,) = ctx.saved_tensors
        low, high = ctx.bounds
        return keep_where(ctx.xp, (x > low) & (x < high), grad)


@_input_saved
def relu6(x):
    """``min(max(x, 0), 6)``.

    Special points (Keras 3, i.e. ``torch.nn.functional.relu6``): the gradient is 0 at both kinks ``x = 0`` and
    ``x = 6``; ``relu6(nan) = nan`` with gradient 0; ``relu6(inf) = 6``.

    >>> import tinygradconv as tg
    >>> relu6(tg.tensor([-1.0, 3.0, 9.0])).tolist()
    [0.0, 3.0, 6.0]
    """
    x = _t(x)
    if _is_integer(x):                 # Keras keeps an integer input's dtype
        return _hard_clip(x.astype("float64"), 0.0, 6.0).astype(x.dtype)
    return _hard_clip(x, 0.0, 6.0)


def _is_integer(x):
    """Whether the tensor ``x`` holds integers (signed or unsigned) or bools."""
    return np.dtype(dtype_name(x.dtype)).kind in "iub"


@_input_saved
def leaky_relu(x, negative_slope=0.2):
    """``x`` for ``x > 0``, ``negative_slope * x`` otherwise.

    Special points (Keras 3, i.e. ``torch.nn.functional.leaky_relu``): the gradient at the kink ``x = 0`` is
    ``negative_slope``; ``leaky_relu(nan) = nan`` with gradient ``negative_slope``.

    >>> import tinygradconv as tg
    >>> leaky_relu(tg.tensor([-1.0, 2.0])).tolist()
    [-0.20000000298023224, 2.0]
    """
    x = _floating(x)
    negative_slope = float(number(negative_slope, "negative_slope", finite=True))
    return ops.where(x > 0.0, x, negative_slope * x)


@_input_saved
@_float32_inside
def elu(x, alpha=1.0):
    """``x`` for ``x > 0``, ``alpha * (exp(x) - 1)`` otherwise (the exponential only sees ``x <= 0``).

    Computed with an exact ``expm1``, as PyTorch's ``elu``, so values near 0 keep every digit.

    Special points (Keras 3, i.e. ``torch.nn.functional.elu``): the gradient at the kink ``x = 0`` is ``alpha``
    (the left branch); a zero gives the input's zero, for any ``alpha``: ``elu(-0.0) = -0.0`` and
    ``elu(0.0) = 0.0`` (a negative ``alpha`` too, ``-0.0`` included, where ``alpha * expm1(x)`` would flip the sign);
    ``elu(-inf) = -alpha`` with gradient 0; ``elu(nan) = nan`` with gradient NaN. PyTorch (2.13, CPU) gives NaN
    there in its vectorised kernel and 1 (the right branch's slope) in its scalar one, which takes the elements
    after the last full block of 32 float32 or 16 float64 elements: a lone NaN gets 1, each of 40 float32 NaNs in
    a row but the last 8 gets NaN. Ours is always NaN, so a NaN never hides in the gradient.

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in elu(tg.tensor([-1.0, 2.0])).tolist()]
    [-0.6321, 2.0]
    >>> elu(tg.tensor([0.0, -0.0]), alpha=-1.5).tolist()       # the input's zeros, as Keras on torch
    [0.0, -0.0]
    >>> elu(tg.tensor([0.0, -0.0]), alpha=-0.0).tolist()
    [0.0, -0.0]
    """
    x = _t(x)
    alpha = float(number(alpha, "alpha", finite=True))
    positive = x > 0.0  # False for NaN: NaN takes the exponential branch, whose value and gradient are NaN
    negative = ops.where(positive, 0.0, x)
    # expm1, exact near 0 (exp(x) - 1 lost the 8th digit at x = -1e-10, where torch's elu is exact) and keeping the
    # sign of zero: elu(-0.0) = -0.0 (Keras, PyTorch)
    curve = alpha * Expm1.apply(negative)
    if math.copysign(1.0, alpha) < 0.0:     # alpha < 0, or -0.0 (which `alpha < 0.0` misses)
        # alpha * (+-0) is the other zero: give the input's zero (torch's), with the curve's gradient, alpha.
        # x - (c - c) keeps x's zero (-0.0 - 0.0 = -0.0, 0.0 - 0.0 = 0.0) and passes c's gradient
        curve = ops.where(x == 0.0, x.detach() - (curve.detach() - curve), curve)
    return ops.where(positive, x, curve)


@_input_saved
@_float32_inside
def selu(x):
    """Scaled ELU: ``scale * elu(x, alpha)`` with Keras' ``alpha = 1.67326324...`` and ``scale = 1.05070098...``.

    Computed as PyTorch computes it: ``scale * x`` for ``x > 0``, else ``elu(x, alpha * scale)``, the product
    ``alpha * scale`` one constant, so that ``expm1(x)`` is rounded once, not twice (``scale * (alpha * expm1(x))``
    differed from ``torch.nn.functional.selu`` in the last bit at 6 float64 inputs in 10, subnormal ones such as
    ``-1e-310`` included; now at about 1 in 10 000, where the two ``expm1`` themselves differ).

    Special points (Keras 3, i.e. ``torch.nn.functional.selu``): the gradient at ``x = 0`` and at ``x = -0.0`` is
    ``scale * alpha`` (the left branch, 1.7580993); ``selu(-0.0) = -0.0``; ``selu(nan) = nan`` with gradient NaN,
    as PyTorch's vectorised kernel gives it. PyTorch's scalar kernel, which takes a tensor's elements after its
    last full block (32 float32 or 16 float64 elements; torch 2.13 on CPU), gives ``scale`` (1.0507) there: a lone
    NaN, or the last 8 of 40 float32 NaNs, gets 1.0507, the others NaN (as :func:`elu`, whose scalar kernel gives 1).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in selu(tg.tensor([-1.0, 1.0])).tolist()]
    [-1.1113, 1.0507]
    """
    return ops.where(x > 0.0, SELU_SCALE * x, elu(x, SELU_ALPHA * SELU_SCALE))


@_input_saved
@_float64_inside
def gelu(x, approximate=False):
    """Gaussian error linear unit ``x * Phi(x)``: exact with erf (default), or the tanh approximation.

    float16 is computed in float64 and rounded once, so its values and gradients are the exact ones correctly
    rounded; PyTorch (Keras 3 on torch) computes float16 in float32, up to 2 float16 steps off near ``x = -4``
    (3 with ``approximate=True``, 17 for that form's gradient): :doc:`docs/keras_compatibility.md
    </keras_compatibility>`.

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in gelu(tg.tensor([-1.0, 1.0])).tolist()]
    [-0.1587, 0.8413]
    """
    if not isinstance(approximate, (bool, np.bool_)):
        raise TypeError(f"Invalid type for argument `approximate`. Expected a bool. "
                        f"Received approximate={approximate!r}")
    return Gelu.apply(_t(x), approximate=bool(approximate))     # one op (see Gelu)


@_float32_inside
def silu(x):
    """Sigmoid linear unit (swish): ``x * sigmoid(x)``.

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in silu(tg.tensor([-1.0, 1.0])).tolist()]
    [-0.2689, 0.7311]
    """
    x = _floating(x)
    return x * x.sigmoid()


swish = silu


def sigmoid(x):
    """``1 / (1 + exp(-x))``, stable for any ``x``. An integer or bool ``x`` gives float32 whatever ``floatx()`` is, as
    Keras 3's (``x.sigmoid()`` gives ``floatx()``, as PyTorch's default dtype).

    >>> import tinygradconv as tg
    >>> sigmoid(tg.tensor([0.0])).tolist()
    [0.5]
    """
    return _floating(x).sigmoid()     # integers: float32, as Keras 3's (the tensor method: floatx())


@_input_saved
@_float32_inside
def hard_sigmoid(x):
    """Piecewise-linear sigmoid (Keras 3): ``relu6(x + 3) / 6``: 0 below -3, 1 above 3, ``x / 6 + 0.5`` between.

    Computed as PyTorch's ``hardsigmoid`` (which Keras 3 calls on torch): the kinks are decided on ``x`` itself,
    ``(clip(x, -3, 3) + 3) / 6``, and float16 is computed in float32 and rounded once. Clipping ``x + 3`` instead
    decided them after ``x + 3`` was rounded: just below 3 (float32 ``2.9999998``, float16 ``2.998``) ``x + 3``
    rounds to 6, which gave gradient 0 there instead of ``1/6``, and in float16 the value 1.0 instead of
    ``0.9995`` (found by a tester).

    Special points (Keras 3, i.e. ``torch.nn.functional.hardsigmoid``): the gradient is 0 at the kinks ``x = +-3``
    and ``1/6`` strictly between them, one float step inside included; ``hard_sigmoid(nan) = nan`` with gradient 0.

    >>> import tinygradconv as tg
    >>> hard_sigmoid(tg.tensor([-4.0, 0.0, 4.0])).tolist()
    [0.0, 0.5, 1.0]
    """
    return (_hard_clip(_floating(x), -3.0, 3.0) + 3.0) / 6.0


def tanh(x):
    """Hyperbolic tangent. An integer or bool ``x`` gives float32 whatever ``floatx()`` is, as Keras 3's
    (``x.tanh()`` gives ``floatx()``, as PyTorch's default dtype).

    >>> import tinygradconv as tg
    >>> tanh(tg.tensor([0.0])).tolist()
    [0.0]
    """
    return _floating(x).tanh()     # integers: float32, as Keras 3's (the tensor method: floatx())


@_float32_inside
def softplus(x):
    """``log(1 + exp(x))``, stable for any ``x`` (a primitive whose derivative is ``sigmoid(x)``).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in softplus(tg.tensor([0.0, 1000.0])).tolist()]
    [0.6931, 1000.0]
    """
    from .ops import nn

    return nn.softplus(_t(x))


def softsign(x):
    """``x / (|x| + 1)``.

    >>> import tinygradconv as tg
    >>> softsign(tg.tensor([-1.0, 3.0])).tolist()
    [-0.5, 0.75]
    """
    x = _floating(x)
    return x / (x.abs() + 1.0)


@_float32_inside
def log_softmax(x, axis=-1):
    """``x - log(sum(exp(x)))`` along ``axis``, stable for any ``x``.

    ``axis`` is an int, a tuple of ints or None, as Keras 3: with a tuple, each slice spanning those axes is one
    distribution (``axis=(0, 1)`` of a ``(2, 3, 4)`` tensor: four distributions of six values; ``()``: each element
    alone), None normalizes over every axis. Negative axes count from the end, in a tuple too (Keras 3 on torch
    fails on them).

    Raises:
        TypeError: an ``axis`` that is not an int, a tuple/list of ints or None.
        ValueError: an axis out of range or given twice.

    Source: Keras 3, ``keras.activations.log_softmax`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in log_softmax(tg.tensor([0.0, 0.0])).tolist()]
    [-0.6931, -0.6931]
    >>> [round(v, 4) for v in log_softmax(tg.tensor([[0.0], [0.0]]), axis=(0, 1)).reshape(2).tolist()]
    [-0.6931, -0.6931]
    """
    from .ops import nn

    return nn.log_softmax(_t(x), axis=axis)


@_float32_inside
def softmax(x, axis=-1):
    """``exp(x) / sum(exp(x))`` along ``axis``, stable for any ``x``: ``e^{x - m} / sum(e^{x - m})`` with ``m`` the
    maximum of the slice, one op (:class:`~tinygradconv.ops.nn.Softmax`) whose backward is
    ``s * (g - sum(g * s))`` from the saved output ``s``, as PyTorch's ``softmax`` (which Keras 3 calls on torch).

    ``axis`` as in :func:`log_softmax`: an int, a tuple of ints (one distribution spans those axes, as Keras 3's
    ``softmax(x, axis=(0, 1))``) or None (every axis). Shapes: the output has ``x``'s shape; float16 is computed in
    float32 and rounded once, as Keras on torch. The float16 gradient may differ from PyTorch's float16 CPU kernel
    in the last bits, ours nearly always the closer to the exact one: with upstream ones, whose exact
    gradient is 0, ``softmax([1, 3, 3])`` gives ``[0, 6e-8, 6e-8]`` here, ``[7.7e-6, 5.7e-5, 5.7e-5]`` in PyTorch
    2.13 (docs/special_points.md, "Low precision").

    Special points (as Keras 3 on torch): a NaN or ``+inf`` in a slice makes the slice NaN, a ``-inf`` gives 0, a
    slice of only ``-inf`` is NaN.

    Raises:
        TypeError: an ``axis`` that is not an int, a tuple/list of ints or None.
        ValueError: an axis out of range or given twice.

    Source: Keras 3, ``keras.activations.softmax`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> softmax(tg.tensor([1000.0, 1000.0])).tolist()
    [0.5, 0.5]
    >>> softmax(tg.tensor([[0.0, 0.0], [0.0, 0.0]]), axis=(0, 1)).tolist()
    [[0.25, 0.25], [0.25, 0.25]]
    """
    from .ops import nn

    return nn.softmax(_t(x), axis=axis)


def exponential(x):
    """``exp(x)`` (overflows to ``inf`` for large ``x``, like Keras').

    >>> import tinygradconv as tg
    >>> exponential(tg.tensor([0.0])).tolist()
    [1.0]
    """
    return _t(x).exp()


def mish(x):
    """``x * tanh(softplus(x))``.

    float16 is computed as Keras 3 composes it, ``x * tanh(softplus(x))`` with each operation rounded to float16
    (layers follow Keras): its gradient is up to ``2e-3`` from the exact one, where PyTorch's ``mish``, computed in
    float32 and rounded once, is ``4.9e-4`` from it (at ``x = 4.625``: ours and Keras' ``1.0``, PyTorch's
    ``1.00195``, exact ``1.00154``).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in mish(tg.tensor([-1.0, 1.0])).tolist()]
    [-0.3034, 0.8651]
    """
    x = _floating(x)
    return x * softplus(x).tanh()


@_input_saved
@_float32_inside
def celu(x, alpha=1.0):
    """Continuously differentiable ELU: ``x`` for ``x > 0``, ``alpha * expm1(x / alpha)`` otherwise.

    Computed as PyTorch's ``celu`` (which Keras 3 calls on torch): ``x * (1 / alpha)`` inside an exact ``expm1``, so
    that values near 0 keep every digit; float16 is computed in float32 and rounded once.

    Args:
        alpha: a finite number other than 0 (default 1.0; a negative one is accepted, as Keras and PyTorch).

    Special points (Keras 3): smooth at 0 (gradient 1 from both sides); ``celu(-0.0) = -0.0``;
    ``celu(-inf) = -alpha`` with gradient 0; ``celu(nan) = nan`` with gradient NaN (as :func:`elu`: PyTorch's
    vectorised kernel; its scalar kernel, used for the last few elements of a tensor, gives 1).

    Raises:
        TypeError: ``alpha`` not a number; ValueError: ``alpha`` 0, NaN or infinite.

    Source: Keras 3, ``keras.activations.celu`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in celu(tg.tensor([-1.0, 0.0, 2.0])).tolist()]
    [-0.6321, 0.0, 2.0]
    """
    x = _floating(x)
    alpha = float(number(alpha, "alpha", finite=True, expected="a finite number other than 0"))
    if alpha == 0.0:
        raise ValueError("Invalid value for argument `alpha`. Expected a finite number other than 0 (celu divides "
                         "by it). Received alpha=0.0")
    positive = x > 0.0  # False for NaN: NaN takes the exponential branch (value and gradient NaN)
    negative = ops.where(positive, 0.0, x)
    return ops.where(positive, x, alpha * Expm1.apply(negative * (1.0 / alpha)))


@_float32_inside
def glu(x, axis=-1):
    """Gated linear unit: ``x`` split in two halves ``a, b`` along ``axis``, then ``a * sigmoid(b)``.

    The output has half of ``x``'s length along ``axis``. float16 is computed in float32 and rounded once, as
    PyTorch's ``glu`` (which Keras 3 calls on torch).

    Args:
        axis: an int; that axis' length must be even.

    Special points (Keras 3): ``a = inf`` with ``b = -inf`` gives NaN (``inf * 0``); a NaN in either half makes
    that output NaN.

    Raises:
        TypeError: ``axis`` not an int; ValueError: ``axis`` out of range, an odd length along it, or a rank-0 ``x``.

    Source: Keras 3, ``keras.activations.glu`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in glu(tg.tensor([[2.0, 4.0, 0.0, 100.0]])).tolist()[0]]
    [1.0, 4.0]
    """
    from .validation import axis_index

    x = _floating(x)
    if x.ndim == 0:
        raise ValueError("glu: x must have at least one dimension (it is split in two halves along `axis`); "
                         "received a rank-0 tensor")
    index = axis_index(axis, x.ndim, "glu")
    length = x.shape[index]
    if length % 2:
        raise ValueError(f"glu: the length along `axis` must be even (it is split in two halves). Received "
                         f"x.shape={tuple(x.shape)} with axis={axis!r}")
    before = (slice(None),) * index
    a, b = x[before + (slice(0, length // 2),)], x[before + (slice(length // 2, length),)]
    return a * b.sigmoid()


@_input_saved
@_float32_inside
def hard_silu(x):
    """Hard SiLU (hard swish): ``x * relu6(x + 3) / 6``: 0 below -3, ``x`` above 3, ``x (x + 3) / 6`` between.

    Values are computed as PyTorch's ``hardswish`` (which Keras 3 calls on torch): ``x * clip(x + 3, 0, 6) / 6``,
    in float32 for float16 and rounded once.

    Special points (Keras 3 on torch 2.13): the gradient is 0 at the kink ``x = -3`` and 1 at ``x = 3`` (the outer
    branches); ``hard_silu(-inf) = nan`` (``-inf * 0``) with gradient 0; ``hard_silu(x) = -0.0`` for ``x <= -3``;
    ``hard_silu(nan) = nan`` with gradient NaN (PyTorch's vectorised kernel; its scalar kernel, used for the last
    few elements of a tensor, gives 1).

    Source: Keras 3, ``keras.activations.hard_silu`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> hard_silu(tg.tensor([-4.0, 0.0, 1.5, 4.0])).tolist()
    [-0.0, 0.0, 1.125, 4.0]
    """
    x = _floating(x)
    below, above = x <= -3.0, x >= 3.0
    # each branch sees only its own inputs (the others replaced by 0), so that no 0 * inf from a branch not taken
    # reaches the gradient at +-inf; NaN takes the middle branch (value and gradient NaN)
    middle = ops.where(below, 0.0, ops.where(above, 0.0, x))
    outer = ops.where(above, x, 0.0)
    return ops.where(below, x.detach() * 0.0, ops.where(above, outer * 6.0 / 6.0, middle * (middle + 3.0) / 6.0))


hard_swish = hard_silu


@_input_saved
def hard_tanh(x):
    """``clip(x, -1, 1)``: -1 below -1, ``x`` between, 1 above.

    Special points (Keras 3, i.e. ``torch.nn.functional.hardtanh``): the gradient is 0 at both kinks ``x = +-1``
    and beyond them; ``hard_tanh(+-inf) = +-1`` (gradient 0); ``hard_tanh(nan) = nan`` with gradient 0 (PyTorch's
    vectorised kernel; its scalar kernel, used for the last few elements of a tensor, gives 1: as :func:`relu6`).

    Source: Keras 3, ``keras.activations.hard_tanh`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> hard_tanh(tg.tensor([-2.0, 0.5, 3.0])).tolist()
    [-1.0, 0.5, 1.0]
    """
    x = _t(x)
    if _is_integer(x) and dtype_name(x.dtype) != "bool":   # Keras keeps an integer input's dtype
        return _hard_clip(x.astype("float64"), -1.0, 1.0).astype(x.dtype)
    return _hard_clip(_floating(x), -1.0, 1.0)


@_input_saved
def hard_shrink(x, threshold=0.5):
    """``x`` where ``|x| > threshold``, else 0.

    Args:
        threshold: a finite number (default 0.5); a negative one keeps every ``x``, as Keras and PyTorch.

    Special points (Keras 3, i.e. ``torch.nn.functional.hardshrink``, vectorised kernel): at ``x = +-threshold``
    the value is 0 with gradient 0; zeros are ``0.0`` (also for ``-0.0``); ``hard_shrink(+-inf) = +-inf`` (gradient
    1); ``hard_shrink(nan) = nan`` with gradient 0 (PyTorch's scalar kernel, used for the last few elements of a
    tensor, gives 1).

    Raises:
        TypeError: ``threshold`` not a number; ValueError: NaN or infinite.

    Source: Keras 3, ``keras.activations.hard_shrink`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> hard_shrink(tg.tensor([-1.0, -0.5, 0.2, 0.7])).tolist()
    [-1.0, 0.0, 0.0, 0.699999988079071]
    """
    x = _floating(x)
    threshold = float(number(threshold, "threshold", finite=True))
    zero = (x - x).detach()  # 0.0, and NaN at NaN (which is not > threshold), without a gradient
    return ops.where(x.abs() > threshold, x, zero)


@_input_saved
@_float32_inside
def soft_shrink(x, threshold=0.5):
    """``x - threshold`` above ``threshold``, ``x + threshold`` below ``-threshold``, 0 between.

    Args:
        threshold: a finite number ``>= 0`` (default 0.5; PyTorch refuses a negative one).

    Special points (Keras 3, i.e. ``torch.nn.functional.softshrink``, vectorised kernel): at ``x = +-threshold``
    the value is 0 with gradient 0; zeros are ``0.0`` (also for ``-0.0`` and ``-threshold``);
    ``soft_shrink(+-inf) = +-inf`` (gradient 1); ``soft_shrink(nan) = nan`` with gradient 0 (PyTorch's scalar
    kernel, used for the last few elements of a tensor, gives gradient 1 and ``-0.0`` at ``-0.0`` and
    ``-threshold``).

    Raises:
        TypeError: ``threshold`` not a number; ValueError: negative, NaN or infinite.

    Source: Keras 3, ``keras.activations.soft_shrink`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> soft_shrink(tg.tensor([-1.5, -0.5, 0.25, 2.0])).tolist()
    [-1.0, 0.0, 0.0, 1.5]
    """
    x = _floating(x)
    threshold = float(number(threshold, "threshold", low=0, finite=True))      # >= 0, as PyTorch
    zero = (x - x).detach()  # 0.0, and NaN at NaN, without a gradient
    return ops.where(x.abs() > threshold, x - x.detach().clip(-threshold, threshold), zero)


@_input_saved
@_float32_inside
def log_sigmoid(x):
    """``log(sigmoid(x)) = -softplus(-x) = min(x, 0) - log1p(exp(-|x|))``, stable for any ``x``.

    Computed as PyTorch's ``logsigmoid`` (which Keras 3 calls on torch), with the same rounding; float16 in float32,
    rounded once.

    Special points (Keras 3): the gradient is ``sigmoid(-x)`` (0.5 at 0); ``log_sigmoid(inf) = 0.0`` (gradient 0),
    ``log_sigmoid(-inf) = -inf`` (gradient 1); ``log_sigmoid(nan) = nan`` with gradient NaN.

    Source: Keras 3, ``keras.activations.log_sigmoid`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in log_sigmoid(tg.tensor([-1000.0, 0.0, 1000.0])).tolist()]
    [-1000.0, -0.6931, 0.0]
    """
    from .ops import nn

    x = _floating(x)
    return 0.0 - nn.softplus(-x)  # 0.0 - s, not -s: log_sigmoid(inf) is 0.0 (as PyTorch), not -0.0


def sparse_plus(x):
    """0 for ``x <= -1``, ``(x + 1)^2 / 4`` for ``-1 < x < 1``, ``x`` for ``x >= 1`` (Keras 3's SparsePlus).

    Computed as Keras 3 on torch: ``where(x <= -1, 0, where(x < 1, (1 / 4) * (x + 1)^2, x))``, step by step in the
    input's dtype.

    Special points (Keras 3): the gradient is 0 at the kink ``x = -1`` and 1 at ``x = 1`` (the outer branches);
    ``sparse_plus(nan) = nan`` with gradient 1 (the last branch); at ``+-inf`` the values are ``inf`` and 0 and the
    gradient is NaN, as in Keras: the branch not taken gets gradient 0, and PyTorch's autograd multiplies it by
    ``2 (x + 1) = inf``; so also where ``2 (x + 1)`` overflows (float32 ``+-3e38``: NaN, as Keras).

    Source: Keras 3, ``keras.activations.sparse_plus`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> sparse_plus(tg.tensor([-2.0, 0.0, 0.5, 3.0])).tolist()
    [0.0, 0.25, 0.5625, 3.0]
    """
    x = _floating(x)
    # shifted ** 2, as Keras' torch.pow(x + 1, 2): its gradient 2 * (x + 1) overflows at +-3e38 (float32), and the
    # branch not taken multiplies it by 0, so NaN there, as Keras (shifted * shifted would give 0)
    shifted = x + 1.0
    return ops.where(x <= -1.0, 0.0, ops.where(x < 1.0, 0.25 * shifted ** 2, x))


def sparse_sigmoid(x):
    """0 for ``x <= -1``, ``(x + 1) / 2`` for ``-1 < x < 1``, 1 for ``x >= 1`` (Keras 3's sparse sigmoid).

    Special points (Keras 3): the gradient is 0 at both kinks ``x = +-1``; ``sparse_sigmoid(nan) = nan`` with
    gradient 0.5 (the middle branch); ``sparse_sigmoid(+-inf)`` is 1 and 0 (gradient 0).

    Source: Keras 3, ``keras.activations.sparse_sigmoid`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> sparse_sigmoid(tg.tensor([-2.0, 0.0, 0.5, 3.0])).tolist()
    [0.0, 0.5, 0.75, 1.0]
    """
    x = _floating(x)
    return ops.where(x <= -1.0, 0.0, ops.where(x >= 1.0, 1.0, 0.5 * (x + 1.0)))


@_float32_inside
def sparsemax(x, axis=-1):
    """Sparsemax along ``axis``: the projection of each slice onto the probability simplex, ``max(x - tau, 0)``
    with the threshold ``tau`` that makes the slice sum to 1 (small entries become exactly 0).

    Args:
        axis: an int (default -1).

    Computed by Keras 3's sort-and-cumsum algorithm (:class:`~tinygradconv.ops.nn.Sparsemax`, one op), with two
    differences, both where Keras 3.15 is wrong: **(1)** ``tau`` is ``(sum of the support - 1) / k``, the paper's;
    Keras 3.15 sums the running sums over the support, so its output does not sum to 1 whenever two or more entries
    are positive (``[0.5, 0.4]``: Keras ``[0.3, 0.2]``, here ``[0.55, 0.45]``; keras-team/keras#23425, fixed by
    #23469); where one entry is positive the two agree. **(2)** The slice's maximum is subtracted first, so large
    logits keep the 1 (Keras gives ``inf`` once ``|x|`` exceeds about ``2^24`` in float32). float16 is computed in
    float32 and rounded once.

    Special points: gradient as PyTorch's autograd through that formula, at kinks too (an entry exactly at the
    threshold passes its gradient, as ``clamp(min=0)``); a NaN or ``+inf`` in a slice makes it NaN (gradient 0),
    as softmax; ``-inf`` gives 0; a slice of only ``-inf`` is NaN.

    Raises:
        TypeError: ``axis`` not an int. ``AxisError`` (a ``ValueError`` and an ``IndexError``): ``axis`` out of
        range, or a rank-0 ``x`` (no axis of classes: Keras 3 raises an ``IndexError`` there, while its ``softmax``
        of a rank-0 tensor is 1).

    Source: Keras 3, ``keras.activations.sparsemax`` (https://keras.io/api/layers/activations/); Martins &
    Astudillo, 2016 (https://arxiv.org/abs/1602.02068).

    >>> import tinygradconv as tg
    >>> sparsemax(tg.tensor([0.75, 0.25, 0.0])).tolist()
    [0.75, 0.25, 0.0]
    >>> sparsemax(tg.tensor([[3.0, 0.0], [1.0, 1.0]]), axis=1).tolist()
    [[1.0, 0.0], [0.5, 0.5]]
    """
    from .ops import nn

    return nn.sparsemax(_floating(x), axis=axis)


@_float32_inside
def squareplus(x, b=4):
    """``(x + sqrt(x^2 + b)) / 2``, a smooth ReLU (``b`` sets the smoothness).

    Computed as Keras 3 on torch, step by step in the input's dtype: ``x^2`` overflows for ``|x|`` beyond about
    ``1.3e154`` (float64) or ``1.8e19`` (float32), and then ``squareplus(x) = inf``, also for a large negative
    ``x``, as in Keras. float16 is computed in float32 and rounded once, so its ``x^2`` never overflows (Keras, in
    float16 steps, gives ``inf`` beyond ``|x| = 256``, and at ``x = -20`` the gradient ``0.0022`` against the exact
    ``0.0025``; :doc:`docs/keras_compatibility.md </keras_compatibility>`).

    Args:
        b: a finite number ``>= 0`` (default 4). Keras accepts a negative ``b``, which gives NaN near 0.

    Special points (Keras 3): ``squareplus(0) = sqrt(b) / 2`` with gradient 0.5; with ``b = 0`` the gradient at 0
    is NaN (``0 * inf``); ``squareplus(inf) = inf`` and ``squareplus(-inf) = nan`` (``-inf + inf``), both with
    gradient NaN; ``squareplus(nan) = nan`` with gradient NaN. Where ``x^2`` overflows the gradient is Keras' and
    not the true one (1 for a large positive ``x``, 0 for a large negative one): 0.5 (``sqrt``'s gradient is 0
    there), and NaN once ``2 x`` overflows as well (float32 ``|x| > 1.7e38``: ``0 * inf``).

    Raises:
        TypeError: ``b`` not a number; ValueError: negative, NaN or infinite.

    Source: Keras 3, ``keras.activations.squareplus`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> squareplus(tg.tensor([-3.0, 0.0, 3.0]), b=16).tolist()
    [1.0, 2.0, 4.0]
    """
    x = _floating(x)
    b = number(b, "b", low=0, finite=True)
    # x ** 2 as Keras' torch.square: its gradient 2 * x overflows at |x| beyond half the largest number (float32
    # 1.7e38), times sqrt's gradient 0 there: NaN, as Keras
    return (x + (x ** 2 + b).sqrt()) / 2.0


def tanh_shrink(x):
    """``x - tanh(x)``, computed as Keras 3 on torch (``torch.nn.functional.tanhshrink``).

    Special points (Keras 3): ``tanh_shrink(+-inf) = +-inf`` (gradient 1); ``tanh_shrink(nan) = nan`` with gradient
    NaN; the gradient ``tanh(x)^2`` is 0 at 0.

    Source: Keras 3, ``keras.activations.tanh_shrink`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> [round(v, 4) for v in tanh_shrink(tg.tensor([-1.0, 0.0, 1.0])).tolist()]
    [-0.2384, 0.0, 0.2384]
    """
    x = _floating(x)
    return x - x.tanh()


@_input_saved
@_float32_inside
def threshold(x, threshold, default_value):
    """``x`` where ``x > threshold``, else ``default_value`` (both arguments required, as Keras 3).

    Args:
        threshold: a number (``+-inf`` allowed; not NaN).
        default_value: the number that replaces ``x <= threshold`` (``+-inf`` allowed; not NaN).

    Special points (Keras 3, i.e. ``torch.nn.functional.threshold``): at ``x = threshold`` the value is
    ``default_value`` with gradient 0; ``threshold(nan) = nan`` with gradient 1 (NaN is not ``<= threshold``).

    By name (``get("threshold")``) the function needs its two arguments:
    ``ActivationFunction("threshold", threshold=0.5, default_value=0.0)`` or
    ``{"class_name": "threshold", "config": {"threshold": 0.5, "default_value": 0.0}}``.

    Raises:
        TypeError: an argument that is not a number; ValueError: NaN.

    Source: Keras 3, ``keras.activations.threshold`` (https://keras.io/api/layers/activations/).

    >>> import tinygradconv as tg
    >>> threshold(tg.tensor([-1.0, 0.5, 2.0]), 0.5, -9.0).tolist()
    [-9.0, -9.0, 2.0]
    """
    x = _floating(x)
    limit = float(number(threshold, "threshold"))
    default_value = float(number(default_value, "default_value"))
    return ops.where(x <= limit, default_value, x)


# ---------------------------------------------------------------------------------------------------------- lookup
ALL_OBJECTS = {fn.__name__: fn for fn in (linear, relu, relu6, leaky_relu, elu, selu, celu, gelu, glu, silu,
                                          sigmoid, hard_sigmoid, hard_silu, hard_tanh, hard_shrink, soft_shrink,
                                          log_sigmoid, tanh, tanh_shrink, softplus, softsign, softmax, log_softmax,
                                          sparsemax, sparse_plus, sparse_sigmoid, squareplus, exponential, mish,
                                          threshold)}
ALIASES = {"swish": silu, "hard_swish": hard_silu}  # Keras 3's second names, serialized as given
ALL_OBJECTS.update(ALIASES)


def _valid_names():
    return sorted(ALL_OBJECTS)


def _lookup_name(name):
    return _lookup.lookup(ALL_OBJECTS, name, "activation")


_MAX_PROBE_RANK = 64  # NumPy's largest number of dimensions


def _probe(name, axis):
    """A float32 tensor of zeros on which ``ActivationFunction`` validates its arguments: rank 1, or as many
    dimensions as the ``axis`` argument names (``axis=1``: rank 2; ``axis=(0, -3)``: rank 3), of length 2 along the
    named axes (``glu`` splits them in halves) and 1 along the others. A rank-1 probe refused ``softmax`` over axis 1,
    a normal choice for a ``Conv1D`` output ``(batch, steps, channels)`` (found by a tester)."""
    from .validation import _is_integer

    axes = [int(a) for a in (axis if isinstance(axis, (tuple, list)) else (axis,)) if _is_integer(a)]
    rank = max([1] + [a + 1 if a >= 0 else -a for a in axes])
    if rank > _MAX_PROBE_RANK:
        raise ValueError(f"Invalid `axis` for activation {name!r}: tensors have at most {_MAX_PROBE_RANK} "
                         f"dimensions. Received axis={axis!r}")
    shape = [1] * rank
    for a in axes:
        shape[a] = 2
    return Tensor(np.zeros(shape, dtype=np.float32))


class ActivationFunction:
    """A registered activation with fixed keyword arguments, e.g. ``ActivationFunction("relu", max_value=6.0)``.

    It is what ``get({"class_name": "relu", "config": {...}})`` returns, and it serializes back to that dict.

    >>> import tinygradconv as tg
    >>> act = ActivationFunction("leaky_relu", negative_slope=0.5)
    >>> act(tg.tensor([-2.0])).tolist(), serialize(act)
    ([-1.0], {'class_name': 'leaky_relu', 'config': {'negative_slope': 0.5}})
    """

    def __init__(self, name, **kwargs):
        self.fn = _lookup_name(name)
        self.name = name if name in ALIASES else self.fn.__name__
        parameters = list(inspect.signature(self.fn).parameters.values())[1:]
        accepted = [p.name for p in parameters]
        unknown = sorted(set(kwargs) - set(accepted))
        if unknown:
            raise ValueError(f"Unrecognized arguments for activation {name!r}: {unknown}. It accepts {accepted}")
        missing = [p.name for p in parameters if p.default is inspect.Parameter.empty and p.name not in kwargs]
        if missing:
            raise TypeError(f"Activation {name!r} needs the arguments {missing} (it accepts {accepted}). Received "
                            f"{dict(kwargs)}")
        self.kwargs = dict(kwargs)
        self.fn(_probe(name, kwargs.get("axis")), **self.kwargs)  # validate the arguments now, not at call time

    def __call__(self, x):
        return self.fn(x, **self.kwargs)

    def get_config(self) -> dict:
        return {"name": self.name, **self.kwargs}

    @classmethod
    def from_config(cls, config: dict):
        return cls(**config)

    def __repr__(self):
        args = "".join(f", {k}={v!r}" for k, v in self.kwargs.items())
        return f"ActivationFunction({self.name!r}{args})"


LAYER_ACTIVATIONS = ("ReLU", "LeakyReLU", "ELU", "Softmax")  # activation layers a layer can take as its activation


def _activation_layer(class_name):
    """tinygradconv's activation layer class named ``class_name`` (one of :data:`LAYER_ACTIVATIONS`, and
    ``PReLU``), unless a custom object of that name is in scope; None otherwise."""
    if class_name not in (*LAYER_ACTIVATIONS, "PReLU") or _lookup.custom_object(class_name) is not None:
        return None
    from .layers import activations as activation_layers

    return getattr(activation_layers, class_name)


def _refuse_prelu(received):
    raise ValueError("A PReLU layer cannot be used as the `activation` of another layer here: its weight `alpha` "
                     "would be neither trained nor saved with that layer. Put the PReLU layer after the layer "
                     f"instead (Dense(4), then PReLU()). Received activation={received!r}")


def serialize(activation):
    """The JSON-friendly form of an activation: its name for a registered function (as Keras 3 does, e.g.
    ``"relu"``; ``None`` gives ``"linear"``), ``{"class_name": name, "config": kwargs}`` for an
    :class:`ActivationFunction`, ``{"class_name": ..., "config": obj.get_config()}`` for another object with
    ``get_config`` (an activation layer such as ``LeakyReLU(0.2)`` too), and a plain function's ``__name__``
    otherwise.

    Raises:
        ValueError: a class of your own named as one of tinygradconv's activation layers (loading would make ours).
    """
    if activation is None:
        return "linear"
    if isinstance(activation, str):
        return activation if activation in ALIASES else _lookup_name(activation).__name__
    if isinstance(activation, ActivationFunction):
        return {"class_name": activation.name, "config": dict(activation.kwargs)}
    for fn in ALL_OBJECTS.values():
        if activation is fn:
            return fn.__name__
    if hasattr(activation, "get_config"):
        name = _lookup.class_name(activation, "activation")
        ours = _activation_layer(name)
        if ours is not None and type(activation) is not ours:
            raise ValueError(f"Cannot serialize the activation {activation!r}: its class is named {name!r}, as "
                             f"tinygradconv's layer {name}, which loading would read back instead. Rename your "
                             "class or register it with register_keras_serializable")
        return {"class_name": name, "config": activation.get_config()}
    if not getattr(activation, "__name__", None):
        raise ValueError(f"Cannot serialize the activation {activation!r}: use a registered name "
                         f"({_valid_names()}) or a named function.")
    return _lookup.function_name(activation, "activation")


def deserialize(config):
    """Inverse of :func:`serialize`: a name, ``{"class_name": name, "config": {...}}``, or Keras 3's function form
    ``{"class_name": "function", "config": "relu"}``. A class of your own (from ``custom_objects``) is made from its
    config: ``from_config(config)`` when it has one, else ``cls(**config)``; so is an activation layer
    (``{"class_name": "LeakyReLU", "config": {...}}``: ``ReLU``, ``LeakyReLU``, ``ELU``, ``Softmax``; ``PReLU`` is
    refused with a ``ValueError``)."""
    if isinstance(config, str):
        return _lookup_name(config)
    if not isinstance(config, dict) or "class_name" not in config:
        raise ValueError(f"Invalid activation config: expected a name or a dict with 'class_name'. "
                         f"Received: {config!r}")
    class_name, inner = config["class_name"], config.get("config")
    if class_name == "function" and isinstance(inner, str):
        return _lookup_name(inner)
    if class_name == "ActivationFunction" and isinstance(inner, dict):
        return ActivationFunction.from_config(inner)
    layer = _activation_layer(class_name)
    if layer is not None:         # an activation layer (Keras 3 writes it with "module": "keras.layers")
        if inner is not None and not isinstance(inner, dict):
            raise TypeError(f"Invalid activation config: 'config' of the layer {class_name} must be a dict. "
                            f"Received: {config!r}")
        if class_name == "PReLU":
            _refuse_prelu(config)
        return layer.from_config(dict(inner or {}))
    fn = _lookup_name(class_name)
    if inner is not None and not isinstance(inner, dict):
        raise TypeError(f"Invalid activation config: 'config' must be a dict of keyword arguments. "
                        f"Received: {config!r}")
    if isinstance(fn, type):        # a class of your own (custom_objects), made from its config as Keras makes it
        return fn.from_config(dict(inner or {})) if hasattr(fn, "from_config") else fn(**(inner or {}))
    if not inner:
        return fn
    return ActivationFunction(class_name, **inner)


def get(identifier):
    """An activation function from ``None`` (linear), a name, a config dict or a callable.

    Raises:
        TypeError: a function or object of Keras, TensorFlow or PyTorch (``keras.activations.relu``,
            ``torch.relu``): it computes on that library's tensors, so no gradient would reach the layer's weights.
        ValueError: a ``PReLU`` layer (its weight ``alpha`` would be neither trained nor saved with the layer that
            uses it; put it after that layer), and anything else that is not an activation.

    >>> get("swish") is silu
    True
    """
    if identifier is None:
        return linear
    if isinstance(identifier, (str, dict)):
        return deserialize(identifier)
    refuse_foreign(identifier, "activation", "an activation name such as 'relu', a function of "
                                              "tinygradconv.activations or your own function of tinygradconv tensors")
    prelu = _activation_layer("PReLU")
    if prelu is not None and isinstance(identifier, prelu):
        _refuse_prelu(identifier)
    if callable(identifier):
        return identifier
    raise ValueError(f"Could not interpret activation function identifier: {identifier!r}. Expected a name "
                     f"({_valid_names()}), a config dict or a callable.")
