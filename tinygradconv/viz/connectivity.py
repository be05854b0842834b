r"""Which input feeds which output, through which tap: connectivity of ``conv1d`` and ``conv1d_transpose``.

The matrices are computed *through the op*, never by a second implementation of the convolution. For one channel
the op is linear in its input, so its Jacobian is a matrix ``J`` of shape ``(output_length, input_length)`` with

.. math:: J_{n j} = \frac{\partial y_n}{\partial x_j},

obtained by pushing the basis vectors :math:`e_j` through the op in one batch (``method="forward"``) or by one
backward pass with the basis vectors :math:`e_n` of the output as gradients (``method="backward"``, a batch of
vector-Jacobian products). With a kernel of ones, ``J`` counts the taps linking ``x_j`` to ``y_n``; running the op
once per tap with a one-hot kernel splits ``J`` into one 0/1 matrix per tap, :math:`J = \sum_t w_t J^{(t)}`
(:func:`tap_matrices`), and those are the lines of :func:`plot_connectivity`. The diagram draws a few dozen cells
of a signal of any length, so it does not make these matrices: it takes the lines into the cells it shows from
the index formula the matrices hold (tap ``t`` joins ``x_j`` to ``y_n`` when ``j = n·s + t·d − left``, conv1d, or
``n + c_left = j·s + t·d``, conv1d_transpose), and its cost follows what it draws. Every picture refuses, with a
ValueError naming the argument, the value and the limit, a size too large to draw, before anything is made.

Lengths, paddings and crops come from :mod:`tinygradconv.ops.conv_arithmetic` (the formulas are not re-derived
here). The conv1d of ``conv1d_transpose`` (the "matching" conv1d of the matrix view on the maths page,
docs/conv1d_transpose_math.md) has exactly the transposed matrix, which :func:`conv_matrices` and
:func:`plot_conv_matrix` show.

>>> from tinygradconv.viz import connectivity_matrix
>>> connectivity_matrix("conv1d_transpose", 2, kernel_size=3, strides=2).astype(int).tolist()
[[1, 0], [1, 0], [1, 1], [0, 1], [0, 1]]
"""
from __future__ import annotations

import itertools
import math
import textwrap
from dataclasses import dataclass, field, replace

import numpy as np

from ..ops.conv_arithmetic import (
    CONV_PADDINGS,
    TRANSPOSE_PADDINGS,
    conv_output_length,
    conv_padding,
    conv_transpose_crops,
    conv_transpose_output_length,
    effective_kernel_size,
    full_transpose_length,
    matching_conv_padding,
    normalize_int,
    normalize_output_padding,
    normalize_padding,
)
from ..tensor import Tensor
from ._mpl import fit_figure, legend_points, new_axes, pyplot, savefig, text_color_on
from .animation import check_gif_path, frames_per_second, save_gif

__all__ = [
    "KINDS",
    "ConvSetting",
    "animate_transposed_conv",
    "connections",
    "connectivity_matrix",
    "conv_matrices",
    "conv_setting",
    "copies_shade",
    "output_length_formula",
    "plot_connectivity",
    "plot_conv_matrix",
    "scatter_steps",
    "tap_matrices",
]

KINDS = ("conv1d", "conv1d_transpose")


# ------------------------------------------------------------------------------------------------------------
# The setting: one validated single-channel (transposed) convolution
# ------------------------------------------------------------------------------------------------------------
@dataclass(frozen=True)
class ConvSetting:
    """One single-channel ``conv1d`` or ``conv1d_transpose``, validated; ``weights`` are the ``k`` tap values."""

    kind: str
    input_length: int
    kernel_size: int
    strides: int = 1
    padding: str = "valid"
    output_padding: int | None = None
    dilation_rate: int = 1
    weights: tuple = ()
    #: Where ``weights`` come from when not given as numbers: ``weights="kernel"`` names the layer and the channel
    #: pair drawn (a picture shows one input channel and one filter). Empty otherwise.
    weights_source: str = field(default="", compare=False)

    @property
    def k_eff(self) -> int:
        """Span of the dilated kernel, ``(k - 1) * d + 1``."""
        return effective_kernel_size(self.kernel_size, self.dilation_rate)

    @property
    def output_length(self) -> int:
        """The op's output length, from :mod:`~tinygradconv.ops.conv_arithmetic`."""
        if self.kind == "conv1d":
            return conv_output_length(self.input_length, self.kernel_size, self.strides, self.padding,
                                      self.dilation_rate)
        return conv_transpose_output_length(self.input_length, self.kernel_size, self.strides, self.padding,
                                            self.output_padding, self.dilation_rate)

    def describe(self) -> str:
        """``conv1d_transpose(L=5, k=3, strides=2, padding='same', output_padding=None, dilation_rate=1)``."""
        text = f"{self.kind}(L={self.input_length}, k={self.kernel_size}, strides={self.strides}, " \
               f"padding={self.padding!r}"
        if self.kind == "conv1d_transpose":
            text += f", output_padding={self.output_padding!r}"
        return text + f", dilation_rate={self.dilation_rate})"

    def keras_note(self) -> str:
        """``""`` when the Keras layer accepts this setting; else a sentence naming the rule it breaks (the op, as
        ``keras.ops``, computes it; see docs/keras_compatibility.md).

        >>> conv_setting("conv1d_transpose", 5, 3, strides=2, output_padding=2).keras_note()
        'the Keras Conv1DTranspose layer would refuse this setting: output_padding must be smaller than strides'
        """
        rules = []
        if self.output_padding is not None and self.output_padding >= self.strides:
            rules.append("output_padding must be smaller than strides")
        if self.strides > 1 and self.dilation_rate > 1:
            rules.append("strides > 1 with dilation_rate > 1 is not allowed")
        if not rules:
            return ""
        layer = "Conv1D" if self.kind == "conv1d" else "Conv1DTranspose"
        return f"the Keras {layer} layer would refuse this setting: {'; '.join(rules)}"


def _model_like(kind, weights=None) -> bool:
    """Whether ``kind`` is drawn by :mod:`~tinygradconv.viz.model_connectivity`: a model, a layer with a
    matrix there other than Conv1D / Conv1DTranspose (a pooling layer, a depthwise convolution, ...), or, with
    ``weights="model"`` (its Jacobian, which any layer has), any built layer, Conv1D / Conv1DTranspose too (an LSTM
    was refused with a message naming Conv1D / Conv1DTranspose only, then a Conv1D with a message naming 3 numbers
    or 'kernel': found by a teacher and a reviewer)."""
    if isinstance(kind, str):
        return False
    if hasattr(kind, "layers"):
        return True
    # imported here: model_connectivity imports this module
    from ..layers.layer import Layer
    from .model_connectivity import CONVOLUTIONS, SUPPORTED, _kind

    if isinstance(weights, str) and weights == "model" and isinstance(kind, Layer):
        return True
    return _kind(kind) in SUPPORTED and _kind(kind) not in CONVOLUTIONS


def _layer_kind(layer):
    names = [cls.__name__ for cls in type(layer).__mro__]
    if "Conv1DTranspose" in names:
        return "conv1d_transpose"
    if "Conv1D" in names:
        return "conv1d"
    from ..layers.layer import Layer

    if isinstance(layer, Layer):        # a layer with no matrix of its own: its Jacobian is drawn instead
        raise TypeError(f"Invalid type for argument `kind`. Expected 'conv1d', 'conv1d_transpose', a layer or a "
                        f"model whose connectivity is drawn from its settings, or any built layer or model with "
                        f"weights='model' (its Jacobian). Received kind={layer!r} of type {type(layer).__name__} "
                        f"with weights=None: pass weights='model' (the layer built, or inside a Sequential with an "
                        f"Input), or see viz.plot_model_connectivity")
    raise TypeError(f"Invalid type for argument `kind`. Expected 'conv1d', 'conv1d_transpose', a layer or a "
                    f"model. Received kind={layer!r} of type {type(layer).__name__}")


def real_values(value, name, expected):
    """``value`` (numbers, nested lists of them, an array or a Tensor) as a float64 array, or a ValueError naming
    the argument ``name`` and saying ``expected`` (text, complex numbers, ragged lists).

    >>> real_values([[1, 2]], "at", "Expected numbers").tolist()
    [[1.0, 2.0]]
    """
    raw = value.numpy() if isinstance(value, Tensor) else value
    try:
        array = np.asarray(raw)
        if array.dtype.kind in "cSU":         # complex numbers, or text that NumPy would read as numbers
            raise TypeError(array.dtype.name)
        return np.asarray(array, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid value for argument `{name}`. {expected}. Received {name}={value!r}") from None


def _tap_values(weights, k):
    """``weights`` as a float64 array, or a ValueError naming the argument (text, complex numbers, ragged lists)."""
    return real_values(weights, "weights", f"Expected None, {k} real numbers (kernel_size={k}), or 'kernel' with a "
                                           f"layer")


#: The op's arguments that a layer's configuration gives, with their defaults here.
_LAYER_SETTINGS = (("kernel_size", None), ("strides", 1), ("padding", "valid"), ("output_padding", None),
                   ("dilation_rate", 1))


class _Default:
    """An argument left out: its default ``value``, told apart from the same value given. A layer or a model brings
    its own settings, so every op argument given with one is refused, even at its default value (``strides=1`` with
    a layer of strides 2 was ignored silently while ``strides=2`` was refused: found by a student). Its repr is the
    value's, so that a signature reads ``strides=1``."""

    __slots__ = ("value",)

    def __init__(self, value):
        self.value = value

    def __repr__(self):
        return repr(self.value)


#: The defaults of the op arguments in the signatures: left out, they are told apart from the same value given.
_KERNEL_SIZE, _STRIDES, _PADDING, _OUTPUT_PADDING, _DILATION_RATE = (_Default(value) for _, value in _LAYER_SETTINGS)
_METHOD = _Default("forward")


def _given(value):
    """``value`` itself when it was given; the default it stands for when it is a :class:`_Default`."""
    return value.value if isinstance(value, _Default) else value


class LayerSettingsError(ValueError, TypeError):
    """An op argument (``kernel_size``, ``strides``, ...) given with a layer or a model, whose own settings are
    used. A ValueError (the value given cannot be used), and a TypeError as well, as it was before: code that caught
    the TypeError still does."""


def layer_conflict(layer, given) -> LayerSettingsError:
    """The error for op arguments ``given`` (a dict) passed with a layer or a model, which uses its own settings: a
    :class:`LayerSettingsError` (a ValueError, and a TypeError as before) naming each argument, the value given and
    the layer's own value.

    >>> from tinygradconv.layers import Conv1DTranspose
    >>> print(layer_conflict(Conv1DTranspose(1, 3, strides=2), {"strides": 1}))
    Invalid value for argument `strides`: strides=1 given with a Conv1DTranspose layer would be ignored: the layer's own strides=2 is used (its settings: kernel_size=3, strides=2, padding='valid', output_padding=None, dilation_rate=1). Leave strides out, or pass 'conv1d' / 'conv1d_transpose' with the op's arguments instead of a layer
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    names = list(given)
    received = ", ".join(f"{name}={value!r}" for name, value in given.items())
    arguments = ", ".join(f"`{name}`" for name in names)
    kind = type(layer).__name__
    what = "model" if isinstance(getattr(layer, "layers", None), list) else "layer"
    if what == "layer" and hasattr(layer, "get_config"):
        config = layer.get_config()
        own = [f"{name}={_first(config[name])!r}" for name in names if name in config]
        lacking = [name for name in names if name not in config]
        used = f"the layer's own {', '.join(own)} {'is' if len(own) == 1 else 'are'} used" if own else ""
        if lacking:
            used += ("; " if used else "") + f"a {kind} has no {' or '.join(lacking)}"
        used += " (its settings: " + ", ".join(f"{name}={_first(config[name])!r}" for name, _ in _LAYER_SETTINGS
                                              if name in config) + ")"
    else:
        used = "a model uses its layers' own settings" if what == "model" else "the layer's own settings are used"
    return LayerSettingsError(
        f"Invalid value for argument{'s' if len(names) > 1 else ''} {arguments}: {received} given with a {kind} "
        f"{what} would be ignored: {used}. Leave {' and '.join(names)} out, or pass 'conv1d' / "
        f"'conv1d_transpose' with the op's arguments instead of a {what}")


def _refuse_op_arguments(layer, arguments):
    """Raise :func:`layer_conflict` for the ``arguments`` (a dict, in the order of the signature) given with a layer
    or a model: every one that is not a :class:`_Default` (left out), whatever its value; ``ax=None`` and
    ``annotate=None`` say "the default" themselves, so they are not refused."""
    given = {name: value for name, value in arguments.items()
             if not isinstance(value, _Default) and not (name in ("ax", "annotate") and value is None)}
    if given:
        raise layer_conflict(layer, given)


def _first(value):
    """A layer config's one-integer tuple as the integer (``(3,)`` -> ``3``); other values as they are."""
    return value[0] if isinstance(value, (tuple, list)) and len(value) == 1 else value


def _kernel_source(layer, kernel):
    """Which part of a layer's kernel ``weights="kernel"`` draws: the layer, input channel 0 and filter 0."""
    # Conv1D kernels are (k, in, out), Conv1DTranspose kernels (k, out, in)
    transpose = _layer_kind(layer) == "conv1d_transpose"
    inputs, filters = (kernel.shape[2], kernel.shape[1]) if transpose else (kernel.shape[1], kernel.shape[2])
    text = f"weights: the kernel of layer {layer.name!r}"
    groups = getattr(layer, "groups", 1)
    if inputs == filters == 1 and groups == 1:
        return text
    pair = "input channel 0 → filter 0".replace(" ", "\u00a0")       # no-break spaces: one piece when wrapped
    if groups > 1:      # a grouped kernel is (k, in / groups, filters): each group's filters read its channels only
        return (f"{text}, {pair} only (it has {inputs * groups} input channels and {filters} filters in {groups} "
                f"groups: {inputs} input channel{'s' if inputs > 1 else ''} → {filters // groups} "
                f"filter{'s' if filters // groups > 1 else ''} each)")
    return (f"{text}, {pair} only (it has {inputs} input channel{'s' if inputs > 1 else ''} "
            f"and {filters} filter{'s' if filters > 1 else ''})")


def conv_setting(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                 output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE, weights=None) -> ConvSetting:
    """Validate the arguments shared by every function of this module and return a :class:`ConvSetting`.

    Args:
        kind: ``"conv1d"``, ``"conv1d_transpose"``, or a ``Conv1D`` / ``Conv1DTranspose`` layer (its config gives
            every other argument but ``input_length``; ``weights="kernel"`` takes its kernel, input channel 0 to
            filter 0, and ``weights_source`` says so).
        input_length: length ``L`` of the op's input (at least 1).
        kernel_size, strides, padding, output_padding, dilation_rate: as for the op (``output_padding`` only for
            ``conv1d_transpose``). With a layer they must be left out (a value given, even the default one, is
            refused): the layer's own are used.
        weights: ``None`` (a kernel of ones: entries count the connecting taps) or ``k`` tap values.

    Raises:
        ValueError, TypeError: naming the argument and the value received. :class:`LayerSettingsError` (a
            ValueError, and a TypeError): an op argument given with a layer, whatever its value (it would be
            ignored).

    >>> conv_setting("conv1d", 5, 3, padding="SAME").padding
    'same'
    """
    return _setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights)


def _setting(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
             output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE, weights=None, limits=None) -> ConvSetting:
    """:func:`conv_setting`; ``limits(setting)`` (a setting without weights) runs once the sizes are checked, before
    anything of the size of the kernel or of the signal is made: a drawing refuses what it cannot draw there."""
    source = ""
    if not isinstance(kind, str):
        layer = kind
        kind = _layer_kind(layer)
        _refuse_op_arguments(layer, {"kernel_size": kernel_size, "strides": strides, "padding": padding,
                                     "output_padding": output_padding, "dilation_rate": dilation_rate})
        config = layer.get_config()
        kernel_size, strides = config["kernel_size"], config["strides"]
        padding, dilation_rate = config["padding"], config["dilation_rate"]
        output_padding = config.get("output_padding")
        if isinstance(weights, str) and weights == "kernel":
            if not getattr(layer, "built", False):
                raise ValueError(f"weights='kernel' needs a built layer; call {layer.name!r} on an input first")
            kernel = np.asarray(layer.get_weights()[0])
            weights, source = kernel[:, 0, 0], _kernel_source(layer, kernel)
    else:           # the op's arguments: those left out take their defaults
        kernel_size, strides, padding = _given(kernel_size), _given(strides), _given(padding)
        output_padding, dilation_rate = _given(output_padding), _given(dilation_rate)
    if kind not in KINDS:
        raise ValueError(f"Invalid value for argument `kind`. Expected one of {KINDS} or a Conv1D / "
                         f"Conv1DTranspose layer. Received kind={kind!r}")
    if kernel_size is None:
        raise ValueError("Invalid value for argument `kernel_size`. Expected a strictly positive integer. "
                         "Received kernel_size=None")
    length = normalize_int(input_length, "input_length")
    k = normalize_int(kernel_size, "kernel_size")
    s = normalize_int(strides, "strides")
    d = normalize_int(dilation_rate, "dilation_rate")
    padding = normalize_padding(padding, CONV_PADDINGS if kind == "conv1d" else TRANSPOSE_PADDINGS)
    if kind == "conv1d" and output_padding is not None:
        raise ValueError(f"Invalid value for argument `output_padding`: conv1d has none (only conv1d_transpose). "
                         f"Received output_padding={output_padding!r}")
    op = normalize_output_padding(output_padding) if kind == "conv1d_transpose" else None
    setting = ConvSetting(kind, length, k, s, padding, op, d)
    if setting.output_length == 0:
        raise ValueError(f"{setting.describe()} has an empty output ({_formula(setting)}); choose a longer "
                         f"input_length")
    if limits is not None:
        limits(setting)
    if weights is None:
        values = np.ones(k)
    else:
        if isinstance(weights, str):
            raise ValueError(f"Invalid value for argument `weights`. Expected None, {k} numbers, or 'kernel' with a "
                             f"layer. Received weights={weights!r}")
        values = _tap_values(weights, k)
        if values.shape in ((k, 1, 1),):
            values = values[:, 0, 0]
        if values.shape != (k,):
            raise ValueError(f"Invalid value for argument `weights`. Expected {k} tap values (kernel_size={k}). "
                             f"Received weights of shape {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"Invalid value for argument `weights`. Expected finite numbers. Received {values}")
    return replace(setting, weights=tuple(float(w) for w in values), weights_source=source)


# ------------------------------------------------------------------------------------------------------------
# Through the op
# ------------------------------------------------------------------------------------------------------------
MAX_MATRIX_CELLS = 10 ** 8
"""The most float64 cells (0.745 GiB) that one call of a matrix function (:func:`connectivity_matrix`,
:func:`tap_matrices`, :func:`conv_matrices`, :func:`~tinygradconv.viz.model_connectivity_matrix`, ...) makes: its
matrices and the basis vectors pushed through the op or the model, counted from the lengths before anything is made.
A larger call is refused with a ValueError that says how many cells and GiB it needs (it got NumPy's
``MemoryError`` from deep inside, or was killed by the system). The pictures refuse far smaller sizes first."""


def _gib(cells) -> str:
    """The size of ``cells`` float64 values in GiB, to 3 significant digits.

    >>> _gib(2 ** 27)
    '1'
    """
    return f"{cells * 8 / 2 ** 30:.3g}"


def matrix_fits(cells, name, value, what):
    """Refuse, before anything is made, a call that needs more than :data:`MAX_MATRIX_CELLS` float64 cells:
    ``cells``, a lower bound of what it makes; ``name`` and ``value``, the argument that makes it so large (the
    message names it, and says to choose a shorter input or a smaller value of it); ``what``, which matrices those
    cells are.

    >>> matrix_fits(84, "input_length", 7, "a 5×7 matrix")
    >>> matrix_fits(10 ** 10, "input_length", 10 ** 5, "a 99998×100000 matrix")
    Traceback (most recent call last):
    ...
    ValueError: Invalid value for argument `input_length`: input_length=100000 makes a 99998×100000 matrix, which needs at least 10,000,000,000 float64 cells (74.5 GiB), more than the 100,000,000 cells (0.745 GiB) that one call may make (MAX_MATRIX_CELLS). Choose a shorter input: the pattern repeats along the signal
    """  # noqa: E501 (doctest output: an exception message cannot wrap)
    if cells > MAX_MATRIX_CELLS:
        raise ValueError(f"Invalid value for argument `{name}`: {name}={value!r} makes {what}, which needs at least "
                         f"{cells:,} float64 cells ({_gib(cells)} GiB), more than the {MAX_MATRIX_CELLS:,} cells "
                         f"({_gib(MAX_MATRIX_CELLS)} GiB) that one call may make (MAX_MATRIX_CELLS). "
                         + ("Choose a shorter input: the pattern repeats along the signal" if name == "input_length"
                            else f"Choose a smaller {name}"))


def _size_argument(st):
    """``(name, value)`` of the argument that makes the op's matrix long: ``input_length``, except for a
    conv1d_transpose whose output is long for its ``strides``, ``kernel_size``, ``dilation_rate`` or
    ``output_padding`` (its output has ``(L − 1)·s + k_eff + output_padding`` steps, about).

    >>> _size_argument(conv_setting("conv1d_transpose", 3, 3, strides=10 ** 9))
    ('strides', 1000000000)
    """
    if st.kind == "conv1d_transpose":
        spread, extra = (st.input_length - 1) * st.strides, st.output_padding or 0
        if max(st.k_eff, extra) > max(spread, st.input_length):
            if extra > st.k_eff:
                return "output_padding", st.output_padding
            return ("dilation_rate", st.dilation_rate) if st.dilation_rate > 1 else ("kernel_size", st.kernel_size)
        if st.strides > st.input_length:
            return "strides", st.strides
    return "input_length", st.input_length


def _jacobian_limits(st, method="forward", matrices=1):
    """Refuse an op whose ``matrices`` matrices (``N × L``: one, or one per tap) and the basis vectors pushed
    through it (``L`` of length ``L`` forward, ``N`` of length ``N`` backward) exceed :data:`MAX_MATRIX_CELLS`."""
    n, length = st.output_length, st.input_length
    batch = length if method == "forward" else n
    what = f"a {n}×{length} matrix" if matrices == 1 else f"{matrices} tap matrices of {n}×{length}"
    matrix_fits(batch * batch + matrices * n * length, *_size_argument(st),
                f"{what} ({st.describe()}), computed from {batch} basis vectors of length {batch}")


def _check_method(method):
    if method not in ("forward", "backward"):
        raise ValueError(f"Invalid value for argument `method`. Expected 'forward' or 'backward'. "
                         f"Received method={method!r}")


def _run(setting, x, kernel):
    """The op on a batch of single-channel signals: ``x`` is a Tensor ``(B, L, 1)``, ``kernel`` ``k`` values."""
    from ..ops.conv import conv1d, conv1d_transpose

    w = Tensor(np.asarray(kernel, dtype=np.float64).reshape(setting.kernel_size, 1, 1), dtype="float64",
               backend="numpy")
    if setting.kind == "conv1d":
        return conv1d(x, w, strides=setting.strides, padding=setting.padding, dilation_rate=setting.dilation_rate)
    return conv1d_transpose(x, w, strides=setting.strides, padding=setting.padding,
                            output_padding=setting.output_padding, dilation_rate=setting.dilation_rate)


def _basis(n):
    return Tensor(np.eye(n).reshape(n, n, 1), dtype="float64", backend="numpy")


def _jacobian(setting, kernel, method="forward"):
    length, n_out = setting.input_length, setting.output_length
    if method == "forward":
        y = _run(setting, _basis(length), kernel)                  # y[j, n] = response to e_j = J[n, j]
        jac = y.numpy()[:, :, 0].T
    elif method == "backward":
        x = Tensor(np.zeros((n_out, length, 1)), dtype="float64", backend="numpy", requires_grad=True)
        y = _run(setting, x, kernel)                               # sample b asks for d y_b / d x
        y.backward(_basis(n_out))
        jac = x.grad.numpy()[:, :, 0]
    if jac.shape != (n_out, length):
        raise RuntimeError(f"{setting.describe()} gave an output of length {jac.shape[0]}, but conv_arithmetic "
                           f"says {n_out}")
    return np.ascontiguousarray(jac)


def connectivity_matrix(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                        output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE, weights=None, method=_METHOD):
    r"""The ``(output_length, input_length)`` matrix :math:`J_{nj} = \partial y_n / \partial x_j` of one channel.

    Computed through the op itself: ``method="forward"`` pushes the ``L`` basis vectors through it in one batch,
    ``method="backward"`` runs one backward pass whose output gradients are the basis vectors (both give ``J``).
    With ``weights=None`` the kernel is all ones, so each entry counts the taps that connect ``x_j`` to ``y_n``.

    Args:
        kind: ``"conv1d"`` or ``"conv1d_transpose"``, or a Conv1D / Conv1DTranspose layer (see
            :func:`conv_setting`; ``weights="kernel"`` uses the layer's kernel, channel 0 to channel 0;
            ``weights="model"``, with any built layer, its Jacobian summed over channels: see
            :func:`~tinygradconv.viz.model_connectivity.model_connectivity_matrix`).
        input_length, kernel_size, strides, padding, output_padding, dilation_rate: as for the op.
        weights: the ``k`` tap values (default: ones).
        method: ``"forward"`` or ``"backward"``.

    Returns:
        A float64 NumPy array.

    Raises:
        LayerSettingsError: (a ValueError, and a TypeError) an op argument (``kernel_size``, ``strides``, ...)
            given with a layer, or ``method`` too with a model, whatever its value: their own settings are used
            (as :func:`plot_connectivity` refuses them).
        ValueError: an invalid argument (naming it and the value received), or a matrix and basis vectors that
            need more than ``MAX_MATRIX_CELLS`` float64 cells (refused before anything is made).

    >>> connectivity_matrix("conv1d", 4, kernel_size=2, strides=2).astype(int).tolist()
    [[1, 1, 0, 0], [0, 0, 1, 1]]
    """
    if _model_like(kind, weights):  # a model, or a layer other than a convolution: see viz.model_connectivity
        # Imported here: model_connectivity builds on this module's layer matrices (it imports this module).
        from .model_connectivity import model_connectivity_matrix
        _refuse_op_arguments(kind, {"kernel_size": kernel_size, "strides": strides, "padding": padding,
                                    "output_padding": output_padding, "dilation_rate": dilation_rate,
                                    "method": method})
        return model_connectivity_matrix(kind, input_length, weights=weights)
    method = _given(method)
    _check_method(method)
    setting = _setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights,
                       limits=lambda st: _jacobian_limits(st, method))
    return _jacobian(setting, setting.weights, method)


def tap_matrices(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                 output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE):
    r"""The per-tap decomposition: ``T[t]`` is the connectivity with the one-hot kernel :math:`e_t`.

    ``T[t, n, j] = 1`` when tap ``t`` carries ``x_j`` into ``y_n``; for any kernel ``w``,
    :math:`J = \sum_t w_t T^{(t)}`. Each matrix is computed through the op. Returns ``(k, N, L)``.

    Raises:
        ValueError: an invalid argument, or matrices that need more than ``MAX_MATRIX_CELLS`` float64 cells (as
            :func:`connectivity_matrix`).

    >>> tap_matrices("conv1d", 3, kernel_size=2)[1].astype(int).tolist()
    [[0, 1, 0], [0, 0, 1]]
    """
    setting = _setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate,
                       limits=lambda st: _jacobian_limits(st, matrices=st.kernel_size))
    return _taps(setting)


def _taps(setting):
    eye = np.eye(setting.kernel_size)
    return np.stack([_jacobian(setting, eye[t]) for t in range(setting.kernel_size)])


def connections(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE):
    """Every ``(j, n, t)``: input ``j`` reaches output ``n`` through tap ``t`` (from :func:`tap_matrices`).

    >>> connections("conv1d_transpose", 2, kernel_size=2, strides=2)
    [(0, 0, 0), (0, 1, 1), (1, 2, 0), (1, 3, 1)]
    """
    taps = tap_matrices(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate)
    return _connections(taps)


def _connections(taps):
    found = [(int(j), int(n), int(t)) for t, n, j in zip(*np.nonzero(taps))]
    return sorted(found)


def conv_matrices(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                  output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE, weights=None):
    r"""The matrix ``C`` of a conv1d and the matrix ``T`` of the matching conv1d_transpose, each through its op.

    ``kind="conv1d_transpose"``: ``T`` is the described op's matrix ``(N, L)``; ``C`` is the matrix of the matching
    conv1d (same kernel, strides and dilation on a signal of length ``N``, explicitly padded by
    :func:`~tinygradconv.ops.conv_arithmetic.matching_conv_padding`), run through ``pad`` and ``conv1d``.

    ``kind="conv1d"``: ``C`` is the described op's matrix ``(N, L)``; ``T`` is the conv1d_transpose of its output
    (``padding="valid"`` with the ``output_padding`` that spans the padded input) cropped by the conv's
    ``(left, right)`` padding, run through ``conv1d_transpose``.

    Either way ``T == C.T`` holds exactly, which is the point: the transposed convolution is the transpose of the
    convolution's matrix. Returns ``(C, T)`` as float64 NumPy arrays.

    Raises:
        ValueError: an invalid argument, or matrices that need more than ``MAX_MATRIX_CELLS`` float64 cells: the
            two matrices and the basis vectors of both sides (refused before anything is made).

    >>> c, t = conv_matrices("conv1d_transpose", 3, kernel_size=3, strides=2, padding="same")
    >>> bool((t == c.T).all()), c.shape
    (True, (3, 6))
    """
    from ..ops.conv import conv1d, conv1d_transpose
    from ..ops.shape import pad

    setting = _setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights,
                       limits=_conv_matrices_limits)
    k, s, d = setting.kernel_size, setting.strides, setting.dilation_rate
    w = Tensor(np.asarray(setting.weights).reshape(k, 1, 1), dtype="float64", backend="numpy")
    direct = _jacobian(setting, setting.weights)
    n_short = setting.input_length if setting.kind == "conv1d_transpose" else setting.output_length
    n_long = setting.output_length if setting.kind == "conv1d_transpose" else setting.input_length
    if setting.kind == "conv1d_transpose":
        left, right = matching_conv_padding(k, s, setting.padding, setting.output_padding, d)
        x = _basis(n_long)
        if right < 0:
            x = x[:, : n_long + right, :]
        x = pad(x, ((0, 0), (left, max(right, 0)), (0, 0)))
        y = conv1d(x, w, strides=s, padding="valid", dilation_rate=d)
        return np.ascontiguousarray(y.numpy()[:, :, 0].T), direct
    left, right = conv_padding(setting.input_length, k, s, setting.padding, d)
    spanned = (n_short - 1) * s + setting.k_eff
    extra = left + setting.input_length + right - spanned          # trailing samples no window reaches
    y = conv1d_transpose(_basis(n_short), w, strides=s, padding="valid", output_padding=extra, dilation_rate=d)
    y = y.numpy()[:, left: left + setting.input_length, 0]
    return direct, np.ascontiguousarray(y.T)


def _conv_matrices_limits(st):
    """Refuse the two ``N × L`` matrices of :func:`conv_matrices` and the basis vectors of both sides (``L`` of
    length ``L``, ``N`` of length ``N``) beyond :data:`MAX_MATRIX_CELLS`."""
    n, length = st.output_length, st.input_length
    matrix_fits(length * length + n * n + 2 * n * length, *_size_argument(st),
                f"two {n}×{length} matrices ({st.describe()}), computed from the basis vectors of both sides")


# ------------------------------------------------------------------------------------------------------------
# Titles
# ------------------------------------------------------------------------------------------------------------
def output_length_formula(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                          output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE) -> str:
    """The output-length formula of the case, then with the numbers, then the length (from conv_arithmetic).

    >>> output_length_formula("conv1d_transpose", 5, 3, strides=2, padding="same")
    'N = L·s = 5·2 = 10'
    """
    st = conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate)
    return _formula(st)


_OPEN, _CLOSE = "([⌊⌈", ")]⌋⌉"


def wrap_formula(text, chars) -> str:
    """Wrap ``text`` into lines of at most ``chars`` characters (when it can), breaking only after a ``"; "`` or
    ``", "`` outside brackets or, inside a part too long for a line, before a ``" = "``: an argument list or a
    formula is never cut inside a term, and a part that does not fit the current line starts the next one whole.

    >>> print(wrap_formula("N = (L − 1)·s + max(k_eff, s) = (4 − 1)·3 + max(2, 3) = 12,  k_eff = k = 2", 40))
    N = (L − 1)·s + max(k_eff, s)
    = (4 − 1)·3 + max(2, 3) = 12,
    k_eff = k = 2
    """
    lines = []

    def place(unit, glue_to_last):
        if lines and glue_to_last and len(lines[-1]) + 1 + len(unit) <= chars:
            lines[-1] += " " + unit
        else:
            lines.append(unit)

    for part in (q for p in _split(text, "; ", 0) for q in _split(p, ", ", 0)):
        if len(part) <= chars:
            place(part, True)
            continue
        # too long for a line: break before its " = ", then (an argument list) after its arguments' commas
        pieces = [q for p in _split(part, " = ", 0) for q in (_split(p, ", ", 1) if len(p) > chars else [p])]
        for i, piece in enumerate(pieces):
            place(piece, i > 0 or not lines or len(lines[-1]) + 1 + len(part) <= chars)
    return "\n".join(lines)


def _split(text, separator, depth_allowed):
    """``text`` cut at each ``separator`` found at bracket depth ``depth_allowed`` or less: a comma or semicolon
    stays at the end of its piece, an equals sign starts the next piece."""
    units, piece, depth, i = [], "", 0, 0
    while i < len(text):
        char = text[i]
        depth += (char in _OPEN) - (char in _CLOSE)
        if depth <= depth_allowed and text.startswith(separator, i):
            i += len(separator)
            if separator in (", ", "; "):
                units.append(piece + separator.strip())
                piece = ""
                while i < len(text) and text[i] == " ":
                    i += 1
            else:
                units.append(piece)
                piece = "= "
            continue
        piece += char
        i += 1
    units.append(piece)
    return units


def _keras_lines(st, chars) -> list:
    """The lines that say which rule of the Keras layer this setting breaks (none when the layer accepts it), each
    rule whole on its line when it fits."""
    note = st.keras_note()
    if not note:
        return []
    head, rules = note.split(": ", 1)
    return [textwrap.fill(f"{head} (the op allows it):", chars), wrap_formula(rules, chars)]


def _nine_point_chars(width_inches) -> int:
    """How many characters of 9-point text fit ``width_inches`` (about 0.6 em a character)."""
    return int(width_inches * 72 / (0.6 * 9))


def _keras_height(st, width) -> float:
    """Inches for the lines of :func:`_keras_lines` in a title ``width`` inches wide (9-point text)."""
    lines = "\n".join(_keras_lines(st, _nine_point_chars(width)))
    return 0.16 * (lines.count("\n") + 1) if lines else 0.0


def _formula(st) -> str:
    L, s, ke, op, n = st.input_length, st.strides, st.k_eff, st.output_padding, st.output_length
    if st.kind == "conv1d":
        if st.padding == "valid":
            text = f"N = ⌊(L − k_eff)/s⌋ + 1 = ⌊({L} − {ke})/{s}⌋ + 1 = {n}"
        else:
            text = f"N = ⌈L/s⌉ = ⌈{L}/{s}⌉ = {n}"
    elif st.padding == "valid" and op is None:
        text = f"N = (L − 1)·s + max(k_eff, s) = ({L} − 1)·{s} + max({ke}, {s}) = {n}"
    elif st.padding == "valid":
        text = f"N = (L − 1)·s + k_eff + output_padding = ({L} − 1)·{s} + {ke} + {op} = {n}"
    elif op is None:
        text = f"N = L·s = {L}·{s} = {n}"
    else:
        # parenthesised as on the maths page (docs/conv1d_transpose_math.md): the remainder of k_eff alone
        text = f"N = (L − 1)·s + (k_eff mod 2) + output_padding = ({L} − 1)·{s} + ({ke} mod 2) + {op} = {n}"
    if st.dilation_rate != 1 and "k_eff" in text:
        text += f",  k_eff = (k − 1)·d + 1 = ({st.kernel_size} − 1)·{st.dilation_rate} + 1 = {ke}"
    elif "k_eff" in text:
        text += f",  k_eff = k = {ke}"
    return text


# ------------------------------------------------------------------------------------------------------------
# The connectivity diagram
# ------------------------------------------------------------------------------------------------------------
#: Cell categories of the diagram: face colour, hatch, legend text.
CELL_STYLES = {
    "input": ("#cfe2f3", None, "input x[j]"),
    "unread": ("#d9d9d9", "--", "input never read"),
    "zero": ("#ffffff", "...", "zero inserted between inputs"),
    "padding": ("#e8e8e8", "///", "padding (zeros)"),
    "output": ("#d9ead3", None, "output y[n]"),
    "cropped": ("#f4cccc", "xxx", "cropped away"),
    "bias": ("#fff2cc", "\\\\\\", "bias only (no input)"),
}
_CELL = 0.84
#: Width (points) and opacity of the faint lines: the taps of a conv1d that read a padding zero, and those of a
#: conv1d_transpose whose value lands in a cropped cell (computed, then dropped).
FAINT_WIDTH, FAINT_ALPHA = 0.9, 0.45
#: The white patch under a cell label on a hatched cell: the hatch stays visible around it, the label readable.
_LABEL_BOX = {"facecolor": "white", "edgecolor": "none", "pad": 1.0, "alpha": 0.9}


class _Diagram:
    """Where the cells and lines of the diagram go, for the x ranges drawn only (never a matrix of the signal).

    conv1d: the padded input on top (``x[j]`` at ``x = j``), output ``n`` below the centre of its window
    ``n*s - left + (k_eff - 1)/2``. conv1d_transpose: the equivalent direct convolution's input on top (zeros
    inserted between strided inputs and ``k_eff - 1`` padding cells on each side, ``x[j]`` at
    ``j*s + (k_eff - 1)/2``); below it the full transposed output (position ``q`` at ``x = q``), whose cells outside
    ``[c_left, c_left + N)`` are cropped. Paddings, crops and lengths come from ``conv_arithmetic``; which input
    reaches which output through tap ``t`` is the index formula of the op, ``j = n*s + t*d - left`` (conv1d) and
    ``n + c_left = j*s + t*d`` (conv1d_transpose), the formula :func:`tap_matrices` computes through the op (the
    tests check one against the other, and against Keras). So the cost follows the cells drawn, whatever ``L``.
    """

    def __init__(self, st):
        self.st = st
        self.L, self.N, self.k, self.s, self.d = (st.input_length, st.output_length, st.kernel_size, st.strides,
                                                  st.dilation_rate)
        ke = st.k_eff
        self.hs = (ke - 1) / 2                                  # half the kernel span
        if st.kind == "conv1d":
            self.left, self.right = conv_padding(self.L, self.k, self.s, st.padding, self.d)
            self.lo = -self.left
            self.hi = max(self.L + self.right - 1, (self.N - 1) * self.s - self.left + self.hs)
        else:
            self.c_left, c_right = conv_transpose_crops(self.k, self.s, st.padding, st.output_padding, self.d)
            self.full = full_transpose_length(self.L, self.k, self.s, self.d)
            self.bottom_len = self.full + max(-c_right, 0)      # a negative crop extends the output with zeros
            self.span_end = (ke - 1) + (self.L - 1) * self.s
            self.lo = -self.hs
            self.hi = self.bottom_len - 1 + self.hs

    @property
    def cells_wide(self) -> int:
        """The x positions from the first cell to the last: the length of the diagram in one row."""
        return round(self.hi - self.lo) + 1

    def x_in(self, j):
        return float(j) if self.st.kind == "conv1d" else j * self.s + self.hs

    def x_out(self, n):
        if self.st.kind == "conv1d":
            return n * self.s - self.left + self.hs
        return float(n + self.c_left)

    def read(self, j) -> bool:
        """Whether input ``j`` reaches an output (through any tap)."""
        L, N, s, d = self.L, self.N, self.s, self.d
        if self.st.kind == "conv1d":
            return any((j + self.left - t * d) % s == 0 and 0 <= (j + self.left - t * d) // s < N
                       for t in range(self.k))
        return any(0 <= j * s + t * d - self.c_left < N for t in range(self.k)) and 0 <= j < L

    def reached(self, n) -> bool:
        """Whether output ``n`` receives an input (else it holds only the bias)."""
        L, s, d = self.L, self.s, self.d
        if self.st.kind == "conv1d":
            return any(0 <= n * s + t * d - self.left < L for t in range(self.k))
        q = n + self.c_left
        return any((q - t * d) % s == 0 and 0 <= (q - t * d) // s < L for t in range(self.k))

    def top(self, a, b) -> list:
        """The top row's cells ``(x, category, index)`` with ``a <= x <= b``."""
        cells = []
        if self.st.kind == "conv1d":
            for x in range(max(math.ceil(a), -self.left), min(math.floor(b), self.L + self.right - 1) + 1):
                if 0 <= x < self.L:
                    cells.append((float(x), "input" if self.read(x) else "unread", x))
                else:
                    cells.append((float(x), "padding", None))
            return cells
        ke1 = 2 * self.hs                                       # k_eff - 1
        last = self.bottom_len + round(ke1) - 1
        for m in range(max(math.ceil(a + self.hs), 0), min(math.floor(b + self.hs), last) + 1):
            r = m - round(ke1)
            if r >= 0 and r % self.s == 0 and r // self.s < self.L:
                j = r // self.s
                cells.append((m - self.hs, "input" if self.read(j) else "unread", j))
            else:
                cells.append((m - self.hs, "zero" if ke1 < m < self.span_end else "padding", None))
        return cells

    def bottom(self, a, b) -> list:
        """The bottom row's cells ``(x, category, index)`` with ``a <= x <= b``."""
        cells = []
        if self.st.kind == "conv1d":
            c0 = self.hs - self.left
            for n in range(max(math.ceil((a - c0) / self.s), 0), min(math.floor((b - c0) / self.s), self.N - 1) + 1):
                cells.append((self.x_out(n), "output" if self.reached(n) else "bias", n))
            return cells
        for q in range(max(math.ceil(a), 0), min(math.floor(b), self.bottom_len - 1) + 1):
            n = q - self.c_left
            if 0 <= n < self.N:
                cells.append((float(q), "output" if self.reached(n) else "bias", n))
            else:
                cells.append((float(q), "cropped", None))
        return cells

    def lines(self, a, b) -> list:
        """``("conn", j, n, t)`` for every connection whose line meets ``a <= x <= b``; for a conv1d also
        ``("pad", j, n, t)``: tap ``t`` of output ``n`` reads the padding cell ``j`` (``j < 0`` or ``j >= L``, a
        zero); for a conv1d_transpose also ``("crop", j, q, t)``: tap ``t`` of input ``j`` lands on the cropped
        full position ``q``. So every output of a conv1d, and every input of a conv1d_transpose, has its ``k``
        lines."""
        found, s, d = [], self.s, self.d
        for t in range(self.k):
            if self.st.kind == "conv1d":      # along n: x_out = n*s + c0, and x_in = x_out + e
                c0, e = self.hs - self.left, t * d - self.hs
                first = max(math.ceil((a - max(0.0, e) - c0) / s), 0)
                for n in range(first, min(math.floor((b - min(0.0, e) - c0) / s), self.N - 1) + 1):
                    j = n * s + t * d - self.left
                    found.append(("conn" if 0 <= j < self.L else "pad", j, n, t))
                continue
            e = self.hs - t * d                # along j: x_out = q = j*s + t*d, and x_in = x_out + e
            first = max(math.ceil((a - max(0.0, e) - t * d) / s), 0)
            for j in range(first, min(math.floor((b - min(0.0, e) - t * d) / s), self.L - 1) + 1):
                q = j * s + t * d
                found.append(("conn", j, q - self.c_left, t) if 0 <= q - self.c_left < self.N else ("crop", j, q, t))
        return found


#: Okabe & Ito's colour-blind-safe palette (Okabe and Ito, "Color Universal Design", 2008), black last.
TAP_COLORS = ("#0072B2", "#E69F00", "#009E73", "#CC79A7", "#56B4E9", "#D55E00", "#F0E442", "#000000")
#: Line styles, so that any two taps of k <= 24 differ in colour or style (readers who cannot tell two colours apart
#: still see the dash pattern), and taps 4 apart, whose colours are the palette's look-alikes (blue and sky blue,
#: orange and vermilion, green and yellow), differ in style too (:func:`_tap_styles`).
TAP_STYLES = ("-", "--", ":", (0, (6, 2, 1, 2)))
#: Cells per row of a connectivity diagram; longer rows wrap, and beyond MAX_ROWS rows the middle is left out.
ROW_CELLS = 24
MAX_ROWS = 3
#: The widest kernel a connectivity diagram draws, ``k_eff`` cells: one row, so that a row holds a whole window
#: (and up to 24 taps all differ in colour or dash pattern, and the legend stays short).
MAX_KERNEL_SPAN = ROW_CELLS
#: The most cells of a diagram drawn into a given Axes, which holds it in one row (a new figure wraps it).
MAX_ONE_ROW_CELLS = 150
#: The longest diagram (in cells, before its middle is left out): positions stay exact integers in a float.
MAX_DIAGRAM_CELLS = 2 ** 50
MAX_MATRIX_SIDE = 100
"""The longest matrix side :func:`plot_conv_matrix` draws (cells stay visible)."""
MAX_ANIMATION_CELLS = 20
"""The longest full output an animation draws (cells in one row)."""


#: Widths (points) of a weighted tap's line: the smallest ``|w|`` (0 too) and the largest of the kernel.
MIN_TAP_WIDTH, MAX_TAP_WIDTH = 1.3, 3.8


def tap_line_style(weight, largest) -> dict:
    """The width and look of a tap's line for its weight ``weight``, ``largest`` being the kernel's largest
    ``|w|``: the width grows with ``|w|`` from ``MIN_TAP_WIDTH`` (a weight of 0.0002 was drawn 0.6 points wide,
    all but invisible, and a pale yellow tap of 0.09 too: found by a teacher) to ``MAX_TAP_WIDTH``; a negative
    weight's line is hollow (a white core along it), so the sign shows beside the tap's colour and dash pattern.
    Keyword arguments of ``Line2D``.

    >>> tap_line_style(0.0, 1.0)["linewidth"], tap_line_style(-1.0, 1.0)["linewidth"]
    (1.3, 3.8)
    >>> "path_effects" in tap_line_style(0.5, 1.0), "path_effects" in tap_line_style(-0.5, 1.0)
    (False, True)
    """
    from matplotlib import patheffects

    width = MIN_TAP_WIDTH + (MAX_TAP_WIDTH - MIN_TAP_WIDTH) * abs(weight) / (largest or 1.0)
    if weight >= 0:
        return {"linewidth": width}
    return {"linewidth": width,
            "path_effects": [patheffects.Normal(), patheffects.Stroke(linewidth=0.4 * width, foreground="white")]}


def _tap_colors(k):
    return [TAP_COLORS[t % len(TAP_COLORS)] for t in range(k)]


def _tap_styles(k):
    """The dash pattern of each of ``k`` taps: the four patterns in turn, shifted by one more every 4 taps and every
    16, so that neighbours, taps 4 apart (look-alike colours: in a 7-tap diagram taps 1 and 5 were both orange and
    dashed, found by a tester) and taps of the same colour (8 and 16 apart) never share a pattern, up to 24 taps.

    >>> [TAP_STYLES.index(style) for style in _tap_styles(10)]
    [0, 1, 2, 3, 1, 2, 3, 0, 2, 3]
    """
    return [TAP_STYLES[(t + t // 4 + t // 16) % len(TAP_STYLES)] for t in range(k)]


def _diagram_limits(st, one_row=False):
    """Refuse, before anything is drawn or allocated, a diagram that cannot be drawn: a kernel wider than a row,
    positions too large for exact floats, or too many cells for the one row of a given Axes."""
    ke = st.k_eff
    if ke > MAX_KERNEL_SPAN:
        name = "dilation_rate" if st.dilation_rate > 1 else "kernel_size"
        raise ValueError(f"Invalid value for argument `{name}`: kernel_size={st.kernel_size} with "
                         f"dilation_rate={st.dilation_rate} spans k_eff = (k − 1)·d + 1 = {ke} cells, more than the "
                         f"diagram draws in a row (at most {MAX_KERNEL_SPAN} cells). Draw a "
                         f"smaller kernel: every tap connects the same way, shifted")
    wide = _Diagram(st).cells_wide
    name = "strides" if st.strides > st.input_length else "input_length"
    if wide > MAX_DIAGRAM_CELLS:
        raise ValueError(f"Invalid value for argument `{name}`: input_length={st.input_length} with "
                         f"strides={st.strides} makes a diagram {wide} cells long, too long to place exactly (at most "
                         f"2**50 cells)")
    if one_row and wide > MAX_ONE_ROW_CELLS:
        raise ValueError(f"Invalid value for argument `{name}`: input_length={st.input_length} with "
                         f"strides={st.strides} makes a diagram {wide} cells long, too many for the one row of a "
                         f"given Axes (at most {MAX_ONE_ROW_CELLS}). Leave ax=None: a new figure wraps long rows and "
                         f"leaves out the middle")


def _windows(lo, hi):
    """The x ranges ``(first, last)`` of the rows, and how many cells are left out between the last two.

    All cells in one row when they are at most ``ROW_CELLS + 4``; else as few rows of at most ``ROW_CELLS`` cells
    as hold them, balanced: their lengths differ by one cell at most (rows of 24 and 7 cells left a second row of
    padding and one output, found by a student); beyond ``MAX_ROWS`` rows, full rows: the first ones and the last,
    the middle left out.

    >>> _windows(-5.5, 24.5)                  # 31 cells: 16 and 15, not 24 and 7
    ([(-5.5, 9.5), (10.5, 24.5)], 0)
    """
    n = round(hi - lo) + 1
    if n <= ROW_CELLS + 4:
        return [(lo, hi)], 0
    count = -(-n // ROW_CELLS)
    if count <= MAX_ROWS:
        shorter, longer = divmod(n, count)             # the first ``longer`` rows hold one cell more
        rows, first = [], lo
        for r in range(count):
            cells = shorter + (r < longer)
            rows.append((first, first + cells - 1))
            first += cells
        return rows, 0
    rows = [(lo + r * ROW_CELLS, lo + (r + 1) * ROW_CELLS - 1) for r in range(MAX_ROWS - 1)]
    last = (hi - ROW_CELLS + 1, hi)
    return rows + [last], round(last[0] - rows[-1][1]) - 1


def plot_connectivity(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                      output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE, weights=None, ax=None,
                      annotate=None):
    """Draw which input feeds which output: input cells above, output cells below, one line per (input, tap).

    Lines are coloured *and* dashed by tap index (a colour-blind-safe palette, Okabe & Ito, with a different dash
    pattern for neighbouring taps, and for taps of one colour: no two taps of the widest kernel drawn, 24, share
    both); with more than 8 taps, whose colours repeat, the lines of one whole window (a conv1d's output, a
    conv1d_transpose's input) also carry their tap's number ``t0``, ``t1``, ... at the end where they fan out
    (Texts with gid ``"tap:t"``). With ``weights`` given their width follows ``|w_t|`` and the legend gives each
    tap's value (the legend lists the taps whose lines are drawn). Padding cells, zeros inserted between strided
    inputs (conv1d_transpose), cropped output positions and bias-only output positions (no input reaches them) are
    hatched in distinct colours and named in the legend. Every output of a conv1d has its ``k`` lines and every
    input of a conv1d_transpose its ``k`` lines, so that they can be counted at the edges too: a conv1d's taps that
    read a *padding* zero are drawn faint and thin, as are a conv1d_transpose's taps into *cropped* positions (those
    values are computed and then dropped); the legend names both. The title states the op and its
    output-length formula with the numbers (and, with ``weights="kernel"``, which channel pair of the layer's
    kernel is drawn). The cell positions come from ``conv_arithmetic``; the lines from the op's index formula
    (``j = n·s + t·d − left`` for conv1d, ``n + c_left = j·s + t·d`` for conv1d_transpose), for the cells drawn
    only, so that a long input costs no more than a short one (the formula is the one :func:`tap_matrices`
    computes through the op).

    Long rows wrap: a row holds at most 24 cells, every row at the same scale, and the rows are balanced (their
    lengths differ by one cell at most: never a last row of a few cells); with more than three rows, the middle
    rows are left out and an ellipsis says how many cells are not drawn (the pattern repeats every output of a
    conv1d, every input of a conv1d_transpose: every ``strides`` cells of the other row). Where a row is cut, a
    note says that it continues below (and, on the next row, that it is continued from above), and each line that
    crosses the cut is drawn to it and ends there in a small triangle of its colour, where it comes in again on
    the next row. An index too long for its cell (7 digits) is written above the input cells and below the output
    cells instead, on every second (third, ...) cell when it is wider than a cell: no label covers another or
    another cell.

    Args:
        kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights: as for
            :func:`connectivity_matrix` (``kind`` may be a layer, whose own settings are used: ``kernel_size``,
            ``strides``, ... must then be left out, a value given is refused even when it is the default one or
            the layer's own; ``weights="kernel"`` draws its kernel, input channel 0 to
            filter 0; ``kind`` may also be a model, or a layer of another kind drawn there, by
            :func:`plot_model_connectivity`, and with ``weights="model"`` any built layer, an LSTM or a Conv1D
            (either data_format) too: its Jacobian summed over channels, as a one-layer model's).
        ax: the matplotlib Axes to draw into (default: a new figure, with one Axes per row when the rows wrap).
            A given Axes receives the whole diagram in one row: at most ``MAX_ONE_ROW_CELLS`` (150) cells. Its
            figure is the caller's, left as it is: give it room and a layout engine, e.g.
            ``plt.subplots(figsize=(10, 3), layout="constrained")`` (the default 6.4 x 4.8 inches of a plain
            ``plt.subplots()`` leave a thin strip and cut off the title's first line, found by a student).
        annotate: write ``x0``, ``y0``, ... in the cells (default: yes, except in a given Axes holding more than 56
            cells).

    Returns:
        The matplotlib Axes (the first row's when the rows wrap; ``ax.figure.axes`` holds them all). Every cell is
        a ``Rectangle`` whose gid is ``"<category>:<index>"`` (index empty for padding, zero-inserted and cropped
        cells); every connection drawn a ``Line2D`` with gid ``"conn:j:n:t"`` (``"crop:j:q:t"`` into the cropped
        full position ``q``; ``"pad:j:n:t"`` from the padding cell at ``x = j``, ``j < 0`` or ``j >= L``), in
        the row (or rows) it crosses; where it crosses a row's cut, a triangle marker with gid ``"cut:out:<its gid>"``
        (the row's right end) or ``"cut:in:<its gid>"`` (the next row's left end), and the notes are Texts with gids
        ``"continues:out"`` and ``"continues:in"``. Each row's ``window`` attribute is the x range ``(first, last)`` of
        the cell centres it shows whole (a cell at ``x`` spans ``x ± 0.42``).

    Raises:
        ValueError: a kernel spanning more than ``MAX_KERNEL_SPAN`` (24) cells, a diagram too long for a given
            Axes, or any invalid argument (naming it and the value received), before anything is drawn.
        LayerSettingsError: (a ValueError, and a TypeError) an op argument given with a layer or a model, whose
            own settings are used, whatever its value (``strides=1`` too).

    >>> ax = plot_connectivity("conv1d_transpose", 3, kernel_size=3, strides=2, padding="same")
    >>> sum(line.get_gid().startswith("conn:") for line in ax.lines)    # 3 inputs x 3 taps, one cropped
    8
    >>> [line.get_gid() for line in ax.lines if line.get_gid().startswith("crop:")]
    ['crop:2:6:2']
    """
    if _model_like(kind, weights):  # a model, or a layer other than a convolution: see viz.model_connectivity
        from .model_connectivity import plot_model_connectivity  # (imported here, as above)
        _refuse_op_arguments(kind, {"kernel_size": kernel_size, "strides": strides, "padding": padding,
                                    "output_padding": output_padding, "dilation_rate": dilation_rate, "ax": ax,
                                    "annotate": annotate})
        return plot_model_connectivity(kind, input_length, weights=weights)
    weighted = weights is not None
    annotate = _annotate(annotate)
    if ax is not None:
        ax = new_axes(ax, None)
    st = _setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights,
                  limits=lambda setting: _diagram_limits(setting, one_row=ax is not None))
    geo = _Diagram(st)
    if ax is not None:
        rows, skipped, axes = [(geo.lo, geo.hi)], 0, [ax]
    else:
        rows, skipped = _windows(geo.lo, geo.hi)
        width = max(r[1] - r[0] for r in rows) + (_LEFT_MARGIN + _RIGHT_MARGIN + 1.0 if len(rows) > 1 else 5.0)
        inch = min(0.42, 10.0 / width)
        # constrained layout: the title and the legend below the last row stay inside the saved figure, with a
        # plain savefig too
        _, axes = pyplot().subplots(len(rows), 1, figsize=(max(6.0, inch * width), 1.0 + 1.15 * len(rows)),
                                    squeeze=False, layout="constrained")
        axes = list(axes[:, 0])
    if annotate is None:  # a row of a new figure has room for "x12" / "y123"; a given Axes may be crowded
        annotate = True if len(axes) > 1 or ax is None else geo.cells_wide <= 2 * (ROW_CELLS + 4)
    span = max(hi - lo for lo, hi in rows)                  # every row at one scale: as wide as the widest
    drawn = {"categories": set(), "taps": set(), "faint": {}, "labels": []}
    for r, (row_ax, window) in enumerate(zip(axes, rows)):
        # a wrapped row is cut on the left (it goes on from the row above) and on the right (it goes on below);
        # not beside the left-out rows: the row after them does not continue the one before (the ellipsis says so)
        gap_below, gap_above = skipped and r == MAX_ROWS - 2, skipped and r == MAX_ROWS - 1
        cut = (r > 0 and not gap_above, r < len(rows) - 1 and not gap_below)
        _draw_connectivity(row_ax, geo, window, span, annotate, weighted, drawn, wrapped=len(rows) > 1, cut=cut)
        if gap_below:
            row_ax.text(0.5, -0.04, f"⋯  {skipped} cells left out: {_repeat_note(st)}  ⋯", transform=row_ax.transAxes,
                        ha="center", va="top", fontsize=9, style="italic")
    width = axes[0].get_position().width * axes[0].figure.get_figwidth()
    chars = max(_nine_point_chars(width), 40)                          # 9-point characters across the Axes
    title = [wrap_formula(st.describe(), chars), wrap_formula(_formula(st), chars)] + _keras_lines(st, chars)
    if st.weights_source:
        title.append(textwrap.fill(st.weights_source, chars))
    axes[0].set_title("\n".join(title), fontsize=9)
    # a given Axes on a figure without a layout engine: nothing makes room for a legend below it
    inside = ax is not None and ax.figure.get_layout_engine() is None
    legend_rows = _connectivity_legend(axes[-1], st, drawn, weighted, inside, ax is None)
    fig = axes[0].figure

    def lay_out():
        if ax is None:      # a new figure: tall enough for the title, the rows of cells and the legend's rows
            title_lines = axes[0].get_title().count("\n") + 1
            (x0, x1), (y0, y1) = axes[0].get_xlim(), axes[0].get_ylim()
            inch = min(0.42, (fig.get_figwidth() - 0.3) / (x1 - x0))            # inches per cell
            fig.set_size_inches(fig.get_figwidth(), 0.3 + 0.19 * title_lines + ((y1 - y0) * inch + 0.1) * len(axes)
                                + 0.2 * legend_rows + 0.3 * bool(skipped))
            # lay it out now (from the initial full-figure Axes box, the constrained layout's first pass can leave
            # the equal-aspect cells as wide as the figure and push a tall title out of it), and grow the figure if
            # the title or the legend still reach out of it: a plain savefig saves all of it
            fit_figure(fig)
        else:
            fig.draw_without_rendering()

    lay_out()
    moved = _fit_labels(fig, drawn["labels"], lay_out)
    if st.kernel_size > len(TAP_COLORS):
        _fit_tap_labels(axes, _label_taps(axes, geo, moved), lay_out)
    return axes[0]


def _pitch(ax) -> float:
    """Pixels per cell (one unit of x) of a row of the diagram, on the laid-out figure."""
    to_px = ax.transData.transform
    return abs(to_px((1.0, 0.0))[0] - to_px((0.0, 0.0))[0])


def _fit_labels(fig, rows, lay_out):
    """Index labels that fit their cells: each label inside its own cell when every label of the diagram fits one
    (measured on the laid-out figure); else every label moves out of the cells, above the inputs and below the
    outputs, where the rows get room for them (``lay_out()`` then lays the figure out again), and a row whose
    labels are wider than a cell writes those of every ``m``-th index only (``m`` the fewest that keeps two labels
    apart), none reaching past the row's first or last cell. A 7-digit index was wider than its cell and covered its
    neighbours (found by a teacher): now no label overlaps another label or another cell.

    ``rows``: ``(ax, [(index, Text)], (x0, x1))``, the x range of the row's cells. Returns how far (in cells) the
    labels reach beyond the cells now: 0 when they stay inside."""
    renderer = fig.canvas.get_renderer()
    rows = [(ax, labels, span) for ax, labels, span in rows if labels]
    if all(max(text.get_window_extent(renderer).width for _, text in labels) <= _CELL * _pitch(ax) - 2.0
           for ax, labels, _ in rows):
        return 0.0
    half, gap = _CELL / 2, 0.1
    tall = 0.0
    for ax, labels, _ in rows:
        pitch = _pitch(ax)
        for _, text in labels:
            x, y = text.get_position()
            above = y > 1.0                                     # the input row's label goes above it
            text.set_position((x, y + (half + gap) * (1 if above else -1)))
            text.set_verticalalignment("bottom" if above else "top")
            text.set_bbox(None)                                 # no hatch or line behind it any more
            tall = max(tall, text.get_window_extent(renderer).height / pitch)
    for ax in {ax for ax, _, _ in rows}:                        # the same room on every row: one scale
        y0, y1 = ax.get_ylim()
        ax.set_ylim(y0 - tall - gap, y1 + tall + gap)
    lay_out()
    for ax, labels, (x0, x1) in rows:
        pitch = _pitch(ax)
        boxes = [text.get_window_extent(renderer) for _, text in labels]
        widest = max(box.width for box in boxes)
        xs = sorted({text.get_position()[0] for _, text in labels})
        step = min((b - a for a, b in itertools.pairwise(xs)), default=1.0)    # cells between two indices
        every = max(1, math.ceil((widest + 3.0) / (step * pitch)))
        left, right = sorted((ax.transData.transform((x0, 0.0))[0], ax.transData.transform((x1, 0.0))[0]))
        for (index, text), box in zip(labels, boxes):
            text.set_visible(index % every == 0 and box.x0 >= left - 0.5 and box.x1 <= right + 0.5)
    return gap + tall


def _label_taps(axes, geo, moved=0.0) -> list:
    """Write each tap's number ``t0``, ``t1``, ... at the end of its line in one whole window (a conv1d's output:
    its lines fan out to the inputs; a conv1d_transpose's input: its lines fan out to the outputs), in the row
    where that end lies: with more than 8 taps the colours repeat (taps 8 apart differ in dash pattern only), and
    the numbers tell them apart. The window is the first one drawn with the most real (not faint) lines, and all
    its ``k`` taps are numbered, the faint ones too (into a cropped cell, from a padding cell); a note right
    beside the first number, left of it, names it ("taps of y3:", gid ``"window:y3"``). The numbers stand outside
    the rows of cells, above the input cells (conv1d) or below the output cells (conv1d_transpose), beyond
    anything else there (the index labels moved out of their cells): written between the rows, on the bundle of
    lines, they covered the lines they name (found by a teacher); ``moved``: how far the index labels reach out
    of the cells (:func:`_fit_labels`). Returns the Texts."""
    st, rows = geo.st, [(ax, ax.window) for ax in axes]
    conv = st.kind == "conv1d"
    # just beyond the cells and their index labels (room is made for them there, on every row: one scale)
    half = _CELL / 2
    y = 2.0 + half + moved + 0.08 if conv else -half - moved - 0.08
    windows = {}
    for _, (lo, hi) in rows:
        for what, j, n, t in geo.lines(lo - 0.5, hi + 0.5):
            # every tap of the window, the faint ones too: a tap into a cropped cell (or from a padding cell) went
            # unnumbered (t0-t2 and t11 of a k=12 conv1d_transpose with padding='same': found by a student)
            x = geo.x_in(j) if conv else (float(n) if what == "crop" else geo.x_out(n))
            windows.setdefault(n if conv else j, {})[t] = (x, what == "conn")
    if not windows:
        return []
    # the window with the most real (not faint) lines, then the most lines: the first such one
    key = min(windows, key=lambda w: (-sum(real for _, real in windows[w].values()), -len(windows[w]), w))
    colors, texts = _tap_colors(st.kernel_size), []
    for t, (x, _) in sorted(windows[key].items()):
        row = next((ax for ax, (lo, hi) in rows if lo - 0.5 < x <= hi + 0.5 + 1e-9), None)
        if row is not None:
            texts.append(row.text(x, y, f"t{t}", ha="center", va="bottom" if conv else "top", fontsize=7.5,
                                  zorder=4, gid=f"tap:{t}",
                                  bbox={"facecolor": "white", "edgecolor": colors[t], "pad": 0.8,
                                        "linewidth": 1.0}))
    # say whose window is numbered (the numbers alone marked y3's window without naming it: found by a student):
    # right beside the first number, left of it (at the row's left edge it stood far from a window in the
    # middle of the row, y2's of a 12-tap conv1d: found by a reviewer); the gap is in points, so it is the same
    # at any cell size: half the framed number, its frame, and 3 points
    if texts:
        from matplotlib.transforms import ScaledTranslation

        first = texts[0]
        row = first.axes
        gap = (len(first.get_text()) * 0.6 * 7.5 / 2 + 0.8 + 3.0) / 72.0        # inches
        name = f"y{key}" if conv else f"x{key}"
        texts.append(row.text(first.get_position()[0], y, f"taps of {name}:", ha="right",
                              va="bottom" if conv else "top", fontsize=7.5, style="italic", gid=f"window:{name}",
                              transform=row.transData + ScaledTranslation(-gap, 0.0, row.figure.dpi_scale_trans),
                              bbox={"facecolor": "none", "edgecolor": "none", "pad": 0.8}))
    return texts


def _fit_tap_labels(axes, texts, lay_out):
    """Make room for the tap numbers beyond the rows of cells ``axes`` (every row the same, one scale;
    ``lay_out()`` lays the figure out again), and hide them when two of them would overlap (a given Axes holding
    many cells): the legend names the taps then."""
    if not texts:
        return
    fig = axes[0].figure
    renderer = fig.canvas.get_renderer()
    fig.draw_without_rendering()
    above = texts[0].get_verticalalignment() == "bottom"
    tall = max(text.get_bbox_patch().get_window_extent(renderer).height / _pitch(text.axes) for text in texts)
    for ax in axes:
        y0, y1 = ax.get_ylim()
        ax.set_ylim((y0, y1 + tall + 0.1) if above else (y0 - tall - 0.1, y1))
    lay_out()
    boxes = [text.get_bbox_patch().get_window_extent(renderer) for text in texts]   # (_label_taps frames each)
    if any(a.overlaps(b) for a, b in itertools.combinations(boxes, 2)):
        for text in texts:
            text.set_visible(False)


def _repeat_note(st):
    """How often the drawn pattern repeats. A conv1d's window moves ``s`` input cells for each output; a transposed
    convolution's kernel copy moves ``s`` output cells for each input.

    >>> _repeat_note(conv_setting("conv1d_transpose", 40, 7, strides=2, padding="same"))
    'the pattern repeats every input (every s = 2 output cells)'
    """
    s = st.strides
    one, other = ("output", "input") if st.kind == "conv1d" else ("input", "output")
    cells = f"{other} cell" if s == 1 else f"s = {s} {other} cells"
    return f"the pattern repeats every {one} (every {cells})"


#: Cells of room left of a wrapped row (its names) and right of it (the "continues below" note).
_LEFT_MARGIN, _RIGHT_MARGIN = 4.6, 3.0


def _draw_connectivity(ax, geo, window, span, annotate, weighted, drawn, wrapped=False, cut=(False, False)):
    """Cells, labels and lines of the diagram into ``ax``, showing the x range ``window`` (lines are clipped) on an
    x axis ``span`` cells wide (so that a short last row keeps the scale of the others).

    ``wrapped``: one row of several (each cell whole in one row; the cells and rows are labelled as in one row:
    ``x3`` / ``y3`` in the cells, ``input`` / ``output`` beside the rows).
    ``cut``: ``(left, right)``, whether the row goes on from the row above (left) and in the row below (right).
    At such a cut, a line that crosses it is drawn to the cut and ends there in a small triangle of its colour
    (gid ``"cut:out:conn:j:n:t"`` on the right, ``"cut:in:..."`` on the left, where it comes in), and a note says
    "continues below" or "continued from above" (gids ``"continues:out"``, ``"continues:in"``).
    ``drawn`` collects the cell categories, the taps and whether any cropped line are drawn, and the labels.
    """
    from matplotlib.lines import Line2D
    from matplotlib.patches import Rectangle

    st = geo.st
    half = _CELL / 2
    y_top, y_bottom = 2.0, 0.0
    lo, hi = window
    # everything is clipped to the cells of this row (a wrapped row's lines stop at its first and last cell); a
    # wrapped row holds the cells whose centre lies in (lo - 1/2, hi + 1/2]: a line is cut there
    left, right = (lo - 0.5, hi + 0.5) if wrapped else (lo - half - 0.05, hi + half + 0.05)
    clip = Rectangle((left, -1.0), right - left, 4.0, transform=ax.transData)
    edge = _CELL + 0.04                      # cells that show at least partly inside the clip
    for cells, y in ((geo.top(lo - edge, hi + edge), y_top), (geo.bottom(lo - edge, hi + edge), y_bottom)):
        labels = []
        if wrapped:       # each cell whole in one row: the row whose x range (lo - 1/2, hi + 1/2] holds its centre
            cells = [cell for cell in cells if lo - 0.5 + 1e-9 < cell[0] <= hi + 0.5 + 1e-9]
        for x, category, index in cells:
            face, hatch, _ = CELL_STYLES[category]
            patch = ax.add_patch(Rectangle((x - half, y - half), _CELL, _CELL, facecolor=face, hatch=hatch,
                                           edgecolor="#555555", linewidth=0.8,
                                           gid=f"{category}:{'' if index is None else index}"))
            if not wrapped:   # (a cell half a step off the inputs', at a row's end, was cut in two across rows)
                patch.set_clip_path(clip)
            if lo - 0.5 <= x <= hi + 0.5:                  # at least half of the cell shows
                drawn["categories"].add(category)
            if annotate and (wrapped or lo - 0.01 <= x <= hi + 0.01):
                label = {"input": f"x{index}", "unread": f"x{index}", "output": f"y{index}",
                         "bias": f"y{index}"}.get(category, "")             # zeros: the hatch says it
                if label:
                    labels.append((index, ax.text(x, y, label, ha="center", va="center",
                                                  fontsize=8 if len(label) <= 3 else 7.1, zorder=3, clip_on=True,
                                                  bbox=_LABEL_BOX if hatch else None)))
        # the x range of the cells this row draws: a wrapped row holds the cells whose centre lies in
        # (lo - 1/2, hi + 1/2], so an output cell half a step off the inputs' may stand beyond ``hi``; measured on
        # the range (lo - half, hi + half) its label was hidden, and it is drawn in no other row (y20 of a
        # conv1d_transpose of L=20, k=4, s=2, 'same' was named nowhere: found by a teacher)
        xs = [x for x, _, _ in cells] if wrapped and cells else [lo, hi]
        drawn["labels"].append((ax, labels, (min(min(xs), lo) - half, max(max(xs), hi) + half)))
    colors, styles = _tap_colors(st.kernel_size), _tap_styles(st.kernel_size)
    w = np.asarray(st.weights)
    scale = float(np.max(np.abs(w))) or 1.0
    for what, j, n, t in geo.lines(left - 0.05, right + 0.05):
        x0, x1 = geo.x_in(j), (float(n) if what == "crop" else geo.x_out(n))
        if wrapped and (max(x0, x1) <= left + 1e-9 or min(x0, x1) > right + 1e-9):
            continue                            # wholly in the row before or after (it meets this one at the cut)
        if what == "conn":
            line = Line2D([x0, x1], [y_top - half, y_bottom + half], color=colors[t], linestyle=styles[t],
                          alpha=0.95, zorder=2, gid=f"conn:{j}:{n}:{t}",
                          **(tap_line_style(w[t], scale) if weighted else {"linewidth": 1.5}))
        else:           # a tap that meets a zero: a conv1d's padding cell j, a transposed conv's cropped cell q = n
            line = Line2D([x0, x1], [y_top - half, y_bottom + half], color=colors[t], linewidth=FAINT_WIDTH,
                          linestyle=styles[t], alpha=FAINT_ALPHA, zorder=2, gid=f"{what}:{j}:{n}:{t}")
            drawn["faint"].setdefault(what, set()).add(t)          # which taps, for the legend's sample
        ax.add_line(line).set_clip_path(clip)
        drawn["taps"].add(t)
        for side, edge, crosses in (("in", left, cut[0] and min(x0, x1) <= left + 1e-9),
                                    ("out", right, cut[1] and max(x0, x1) > right + 1e-9)):
            if crosses:                         # where the line meets the cut: y along the line at x = edge
                y = (y_top - half) + (y_bottom - y_top + _CELL) * (edge - x0) / (x1 - x0)
                ax.add_line(Line2D([edge], [y], marker=">", markersize=5, color=colors[t], linestyle="none",
                                   alpha=line.get_alpha(), zorder=3, gid=f"cut:{side}:{line.get_gid()}"))
    # the same names and cell labels in one row or several ("x3" in the cell, "input" beside the row: a wrapped
    # diagram wrote "3" and "input x[j]" while a short one wrote "x3" and "input", found by a teacher)
    ax.text(lo - 0.8, y_top, "input", ha="right", va="center", fontsize=9, gid="row:input")
    ax.text(lo - 0.8, y_bottom, "output", ha="right", va="center", fontsize=9, gid="row:output")
    note = {"fontsize": 7.5, "style": "italic", "color": "#444444", "va": "center", "linespacing": 1.1}
    if cut[0]:
        ax.text(lo - 0.8, (y_top + y_bottom) / 2, "continued\nfrom above ▸", ha="right", gid="continues:in", **note)
    if cut[1]:
        ax.text(hi + 1.1, (y_top + y_bottom) / 2, "▸ continues\nbelow", ha="left", gid="continues:out", **note)
    ax.set_xlim(lo - (_LEFT_MARGIN if wrapped else 3.4), lo + span + (_RIGHT_MARGIN if wrapped else 1.0))
    ax.window = window
    ax.set_ylim(-0.6, 2.6)
    ax.set_aspect("equal")
    ax.axis("off")


def _weight_text(value) -> str:
    """A tap's weight to 3 significant digits, as a legend or a label writes it.

    >>> _weight_text(-0.2727272727), _weight_text(0.0002), _weight_text(1.0), _weight_text(12345.0)
    ('-0.273', '0.0002', '1', '1.23e+04')
    """
    return f"{value:.3g}"


def _cell_legend(category, st) -> str:
    """The legend's name of a cell category. A conv1d_transpose's "padding" cells are not Keras' padding (its
    ``padding`` crops the output, it never pads the input): they are the ``k_eff − 1`` zeros on each side of the
    zero-inserted input in the direct-convolution view of the picture, where output ``q`` of the full result is the
    window of ``k_eff`` top cells above it (the full correlation of the maths page's second route), and say so
    (they read "padding (zeros)" under a padding='valid' title: found by a teacher).

    >>> _cell_legend("padding", conv_setting("conv1d_transpose", 3, 12, strides=2))
    'padding of the direct-conv view:\\nk_eff − 1 = 11 zeros a side'
    >>> _cell_legend("padding", conv_setting("conv1d_transpose", 3, 2, strides=2))
    'padding of the direct-conv view:\\nk_eff − 1 = 1 zero a side'
    """
    if category != "padding" or st.kind != "conv1d_transpose":
        return CELL_STYLES[category][2]
    _, c_right = conv_transpose_crops(st.kernel_size, st.strides, st.padding, st.output_padding, st.dilation_rate)
    extension = max(-c_right, 0)                    # zero extension: the full output runs past F, its window too
    more = f" (+{extension} on the right)" if extension else ""
    zeros = "zero" if st.k_eff - 1 == 1 else "zeros"
    return f"padding of the direct-conv view:\nk_eff − 1 = {st.k_eff - 1} {zeros} a side{more}"


def _connectivity_legend(ax, st, drawn, weighted, inside=False, new_figure=False):
    """The legend under the cells (the cell categories and the taps drawn); returns its height, in rows of
    8-point text (a legend of larger text counts for more).
    ``inside``: in a given Axes of a figure without a layout engine (nothing makes room around the Axes), the
    legend goes inside the Axes, in room made for it below the output row, so it never reaches into another Axes
    below; otherwise it hangs below the Axes and the layout engine (a new figure's constrained layout) makes room
    for it. ``new_figure``: the legend may span the figure's width (the constrained layout gives the Axes nearly
    all of it)."""
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch

    colors, styles, w = _tap_colors(st.kernel_size), _tap_styles(st.kernel_size), st.weights
    handles = [Patch(facecolor=CELL_STYLES[c][0], hatch=CELL_STYLES[c][1], edgecolor="#555555",
                     label=_cell_legend(c, st)) for c in CELL_STYLES if c in drawn["categories"]]
    # with weights, each tap's line as drawn (its width; hollow when negative) and its weight to 3 significant
    # digits (w=-0.272727 was written out)
    largest = float(np.max(np.abs(w))) if len(w) else 1.0
    handles += [Line2D([], [], color=colors[t], linestyle=styles[t],
                       label=f"tap {t}" + (f" (w={_weight_text(w[t])})" if weighted else ""),
                       **(tap_line_style(w[t], largest) if weighted else {"linewidth": 2}))
                for t in range(st.kernel_size) if t in drawn["taps"]]
    if weighted and any(w[t] < 0 for t in drawn["taps"]):
        handles.append(Line2D([], [], color="#555555", label="hollow: w < 0",
                              **tap_line_style(-largest, largest)))
    # the faint lines are drawn in their tap's colour and dash: the legend's sample is a few of those very lines
    # (up to three of the taps drawn faint, as thin and as faint, each in its tap's colour and dash), not one grey
    # line that looked like none of them (found by a reviewer)
    handler_map = {}
    for what, label in (("pad", "faint, in its tap's colour: a tap on a padding zero"),
                        ("crop", "faint, in its tap's colour: into a cropped cell")):
        if what in drawn["faint"]:
            handles.append(_faint_sample(sorted(drawn["faint"][what]), colors, styles, what, label))
            handler_map[_FaintSample] = _faint_handler()
    fig = ax.figure
    # inches the legend may span: a new figure's constrained layout gives the Axes nearly its whole width
    width = fig.get_figwidth() - 0.4 if new_figure else ax.get_position().width * fig.get_figwidth()
    height = ax.get_position().height * fig.get_figheight()
    # a new figure's legend: its capitals 10 pixels tall once the figure is shown 800 pixels wide (a notebook's
    # width; at 8 points they were 7 to 8 pixels in figures 6 to 8 inches wide, found by a reviewer); in a given
    # Axes the caller chose the figure's size, and the legend keeps 8 points
    points = legend_points(fig.get_figwidth()) if new_figure else 8.0
    # columns of about 1.7 inches at 8 points (a tap's line and its name), wider in proportion to the text
    ncol = max(1, min(4, int(width / (1.7 * points / 8.0)), len(handles)))
    if not inside:
        ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.0), ncol=ncol, fontsize=points,
                  frameon=False, columnspacing=1.2, handlelength=1.8, handler_map=handler_map)
        return -(-len(handles) // ncol) * points / 8.0
    # room below the cells for the legend's rows (8-point text, 1.4 lines a row) and a gap under it (clear of the
    # title of an Axes below), in data units: the equal aspect gives x and y one scale, set by whichever span
    # fills the Axes first
    from matplotlib.transforms import ScaledTranslation

    gap = 0.15
    legend_in = -(-len(handles) // ncol) * 8 * 1.4 / 72 + 0.05 + gap
    (x0, x1), (y0, y1) = ax.get_xlim(), ax.get_ylim()
    room = max(legend_in * (x1 - x0) / width, legend_in * (y1 - y0) / max(height - legend_in, 0.2))
    ax.set_ylim(y0 - room, y1)
    ax.legend(handles=handles, loc="lower center", bbox_to_anchor=(0.5, 0.0), ncol=ncol, fontsize=8,
              frameon=False, columnspacing=1.2, handlelength=1.8, borderaxespad=0.0, handler_map=handler_map,
              bbox_transform=ax.transAxes + ScaledTranslation(0.0, gap, fig.dpi_scale_trans))
    return -(-len(handles) // ncol)


def _faint_sample(taps, colors, styles, what, label):
    """The legend's sample of the faint lines: up to three of the ``taps`` drawn faint (the first, a middle and
    the last), each a Line2D as drawn (its tap's colour and dash, ``FAINT_WIDTH``, ``FAINT_ALPHA``); drawn by
    :func:`_faint_handler` one above the other, like the bundle of lines in the diagram."""
    from matplotlib.lines import Line2D

    picked = sorted({taps[0], taps[len(taps) // 2], taps[-1]})
    lines = tuple(Line2D([], [], color=colors[t], linestyle=styles[t], linewidth=FAINT_WIDTH, alpha=FAINT_ALPHA,
                         gid=f"legend:{what}:{t}") for t in picked)
    return _FaintSample(lines, label)


class _FaintSample:
    """The faint lines of one legend entry and its label (a type of its own: the legend's ``handler_map`` finds
    :func:`_faint_handler` by it)."""

    def __init__(self, lines, label):
        self.lines, self.label = lines, label

    def get_label(self):
        return self.label


def _faint_handler():
    """A legend handler drawing a :class:`_FaintSample`: its lines across the handle, one above the other."""
    from matplotlib.legend_handler import HandlerBase

    class FaintHandler(HandlerBase):
        def create_artists(self, legend, orig_handle, xdescent, ydescent, width, height, fontsize, trans):
            from matplotlib.lines import Line2D

            # centred on the text, 3.5 points apart (the box's units): 0.9-point lines, each seen on its own
            n = len(orig_handle.lines)
            artists = []
            for i, line in enumerate(orig_handle.lines):
                y = height / 2 + (i - (n - 1) / 2) * 3.5 - ydescent
                artist = Line2D([-xdescent, width - xdescent], [y, y], color=line.get_color(),
                                linestyle=line.get_linestyle(), linewidth=line.get_linewidth(),
                                alpha=line.get_alpha(), gid=line.get_gid(), transform=trans)
                artists.append(artist)
            return artists

    return FaintHandler()


# ------------------------------------------------------------------------------------------------------------
# The convolution as a matrix
# ------------------------------------------------------------------------------------------------------------
#: The shortest side (inches) a matrix panel of :func:`plot_conv_matrix` is drawn with: a 2×100 matrix at one
#: cell size was a hairline 0.14 inch high; its cells are drawn that much longer along the short side instead.
MIN_PANEL_INCHES = 0.5
#: Tick labels (8-point digits, about 0.64 em wide and 1 em high) are at least this far apart (points), edge to edge.
_TICK_GAP_POINTS = 4.0


def _index_ticks(n, most, inches, digits_across):
    """The whole indices ``0 .. n-1`` to label along a side ``inches`` long: every one when they fit, else at most
    ``most`` of them (round steps), never closer than an 8-point label and :data:`_TICK_GAP_POINTS` apart.
    ``digits_across``: labels side by side along the axis (x), so a label takes its width, not its height (y)."""
    from matplotlib.ticker import MaxNLocator

    label = (len(str(max(n - 1, 0))) * 0.64 if digits_across else 1.0) * 8.0 + _TICK_GAP_POINTS   # points a label
    fit = max(1, int(inches * 72.0 / label) + 1)       # labels that fit along the side (the ends hold half of one)
    most = max(1, min(most, fit))
    if n <= most:
        return list(range(n))
    ticks = [int(v) for v in MaxNLocator(nbins=max(most - 1, 1), integer=True, min_n_ticks=1).tick_values(0, n - 1)
             if 0 <= v <= n - 1]
    return ticks or [0]


def _index_locator(n, most):
    """A matplotlib Locator for a matrix side of ``n`` cells (see :func:`_index_ticks`)."""
    from matplotlib.ticker import Locator

    class IndexLocator(Locator):
        """Ticks at whole indices, thinned to the drawn length of the axis (measured when it is drawn)."""

        def __init__(self, n, most):
            self.n, self.most = n, most

        def __call__(self):
            axes = self.axis.axes
            along_x = self.axis is axes.xaxis
            box = axes.get_position()                   # after the aspect is applied: the drawn box
            fig_w, fig_h = axes.figure.get_size_inches()
            inches = box.width * fig_w if along_x else box.height * fig_h
            return _index_ticks(self.n, self.most, inches, along_x)

    return IndexLocator(n, most)


def _bar_beside(ax, fig, gap=0.1, width=0.12):
    """An Axes for a colour bar ``gap`` inches right of ``ax``'s drawn box, ``width`` inches wide and as high as
    it (placed when drawn: an equal-aspect Axes is narrower than its layout slot, and a bar placed by the layout
    beside the slot stood an inch away from a narrow matrix)."""
    from matplotlib.transforms import Bbox

    def locate(_bar, _renderer):
        box = ax.get_position()
        fig_w, _ = fig.get_size_inches()
        return Bbox.from_bounds(box.x1 + gap / fig_w, box.y0, width / fig_w, box.height)

    bar = fig.add_axes([0.0, 0.0, 0.01, 0.01])
    bar.set_in_layout(False)
    bar.set_axes_locator(locate)
    return bar


def _draw_matrix(ax, matrix, title, xlabel, ylabel, annotate, x_ticks=12):
    """One matrix as coloured cells; ``annotate``: its non-zero values, to 2 significant digits (what fits a cell);
    ``x_ticks``: the most ticks along its columns (fewer on a matrix drawn with smaller cells)."""
    from matplotlib.colors import ListedColormap

    top = float(np.max(np.abs(matrix))) if matrix.size else 1.0
    top = top or 1.0
    # the light part of the colour map only (black text stays readable on the darkest cell); the colour bar
    # then runs exactly over the entries' range
    if matrix.size and matrix.min() < 0:
        cmap = ListedColormap(pyplot().get_cmap("RdBu_r")(np.linspace(0.1875, 0.8125, 256)))
        image = ax.imshow(matrix, cmap=cmap, vmin=-top, vmax=top, aspect="equal", interpolation="nearest")
    else:
        cmap = ListedColormap(pyplot().get_cmap("Blues")(np.linspace(0.0, 0.625, 256)))
        image = ax.imshow(matrix, cmap=cmap, vmin=0.0, vmax=top, aspect="equal", interpolation="nearest")
    ax.set_anchor("N")                          # a short matrix sits under its title, not in the middle
    if annotate:
        for (r, c), v in np.ndenumerate(matrix):
            if v != 0:
                ax.text(c, r, f"{v:.2g}", ha="center", va="center", fontsize=8)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    for axis, n, most in ((ax.xaxis, matrix.shape[1], x_ticks), (ax.yaxis, matrix.shape[0], 12)):
        # whole indices only (a 1-wide matrix got the ticks -0.5, 0, 0.5), as many as the drawn side has room for
        axis.set_major_locator(_index_locator(n, most))
    ax.set_xlim(-0.5, matrix.shape[1] - 0.5)
    ax.set_ylim(matrix.shape[0] - 0.5, -0.5)
    ax.tick_params(labelsize=8)
    return image


def plot_conv_matrix(kind, input_length, kernel_size=_KERNEL_SIZE, strides=_STRIDES, padding=_PADDING,
                     output_padding=_OUTPUT_PADDING, dilation_rate=_DILATION_RATE, weights=None, ax=None,
                     annotate=None):
    """The matrix ``C`` of a conv1d beside the matrix ``T`` of the matching conv1d_transpose: ``T = Cᵀ``.

    Both come from :func:`conv_matrices` (each through its own op); the figure title reports ``max |T - Cᵀ|``
    and the conv1d's explicit padding (and whether Keras's padding name gives the same). A new figure is sized to
    the two matrices: drawn at one cell size, the tall ``T`` beside a wide ``C`` left half of it blank, so where
    ``C`` is wider than high (its ``n_short`` output steps fewer than its ``n_long`` input steps, the usual case)
    ``T``'s cells are drawn smaller, by ``n_short / n_long`` (as high as ``C``) but at least 0.6 of ``C``'s when
    numbers are written in them, 0.25 with a colour bar (:func:`matrix_shrink`), and never too small for the numbers
    written in them; where ``C`` is square or taller than wide (a conv1d_transpose with padding ``"same"`` can give
    fewer steps than its input) both are drawn at one cell size. Each axis label says what it indexes and how many
    steps it has (``C``'s columns: its input; its rows: its output; ``T``'s the other way round). ``T``'s column is
    at least as wide as its title (the cells centred in it). A lopsided matrix (``C`` 2×100)
    is drawn at least ``MIN_PANEL_INCHES`` (0.5) across its short side, its cells that much longer that way, not a
    hairline; the tick labels give the indices, thinned to the room the drawn side has (none overlap); the colour
    bar stands right beside ``T``, as high as it.

    Args:
        kind, input_length, ...: the described op, as for :func:`conv_matrices`.
        ax: a pair of Axes (``C`` left, ``T`` right); default a new figure. The colour bar (``annotate=False``)
            then takes its room out of ``T``'s Axes, as ``fig.colorbar(image, ax=...)`` does, so that it and its
            label stay inside the figure; the title lines are the figure's ``suptitle`` (a figure made with
            ``layout="constrained"`` keeps them clear of the matrices' titles).
        weights: the ``k`` tap values (default ``1, 2, ..., k``, so that every tap shows as a different value).
        annotate: write the non-zero values (2 significant digits) in the cells (default: when a cell is big enough
            for them, i.e. when the two matrices' sides add up to at most 26; otherwise a colour bar gives the
            values: every non-zero entry is one tap's weight, never a sum).

    Raises:
        ValueError: the long side of the matrices exceeds ``MAX_MATRIX_SIDE`` (100) cells (a band one cell wide
            would be a hairline): draw a shorter input, the band repeats every row.

    Returns:
        The matplotlib Figure; ``fig.axes[0].images[0]`` holds ``C``, ``fig.axes[1].images[0]`` holds ``T``.

    >>> fig = plot_conv_matrix("conv1d_transpose", 3, kernel_size=3, strides=2)
    >>> fig.axes[1].images[0].get_array().shape
    (7, 3)
    """
    annotate = _annotate(annotate)
    if ax is not None:
        expected = "Expected a pair of Axes (C left, T right), e.g. plt.subplots(1, 2)[1]"
        if hasattr(ax, "add_patch") or not hasattr(ax, "__len__") or not all(hasattr(a, "add_patch") for a in ax):
            raise TypeError(f"Invalid type for argument `ax`. {expected}. Received ax={ax!r}")
        if len(ax) != 2:
            raise ValueError(f"Invalid value for argument `ax`. {expected}. Received {len(ax)} Axes")
    st = _setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights,
                  limits=_matrix_limits)
    if weights is None:
        weights = np.arange(1.0, st.kernel_size + 1.0)              # taps told apart by their value
    if not isinstance(kind, str):                                   # the layer's own settings, its kernel or ours
        kind, kernel_size, strides, padding = st.kind, st.kernel_size, st.strides, st.padding
        output_padding, dilation_rate = st.output_padding, st.dilation_rate
        weights = st.weights if st.weights_source else weights
    source = st.weights_source
    st = replace(conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate,
                              weights), weights_source=source)
    c, t = conv_matrices(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights)
    k, s, d = st.kernel_size, st.strides, st.dilation_rate
    # C maps the conv1d's input (its columns) to its output (its rows): usually the output is the shorter, but a
    # conv1d_transpose with padding "same" can give fewer steps than its input (C is then taller than wide)
    n_short, n_long = c.shape                                       # C's rows (conv output), columns (conv input)
    annotate = n_short + n_long <= 26 if annotate is None else bool(annotate)
    new_figure = ax is None
    if ax is None:
        # C is n_short rows high and T n_long: drawn at one cell size, the figure, as tall as T, left the room under
        # a wide C blank, half the figure (found by a teacher). T's cells are drawn smaller, by `shrink`, so that
        # its height comes closer to C's (matrix_shrink): with numbers in the cells at least 0.6 of C's cell (or
        # NUMBER_CELL_INCHES where C's cells are big), with a colour bar instead at least 0.25
        # the widest number written in a cell (8-point text, about 0.55 em a character, and 3 points apart): T's
        # cells stay wide enough for it
        numbers = {f"{v:.2g}" for v in c[c != 0]} if annotate else set()
        text_inches = (max(map(len, numbers)) * 0.55 * 8 + 3.0) / 72 if numbers else 0.0
        # T's column is never narrower than its title, wrapped ("its transpose:" / "T = Cᵀ, 5×1": 9-point text,
        # about 0.6 em a character): a 5×1 T put its title past the figure's edge. The column is made wider than
        # the cells instead (the image sits centred in it), so the title does not blow up T's cells
        title_inches = max(len("its transpose:"), len(f"T = Cᵀ, {n_long}×{n_short}")) * 0.6 * 9 / 72
        # A lopsided matrix (2×100) is drawn at least MIN_PANEL_INCHES across its short side: its cells longer
        # that way (C: `c_rows` of C's cells high; T: `t_cols` of them wide) instead of a hairline. The colour bar
        # stands right of T, in T's column (`bar_room` either side of T, T being centred in it)
        bar_room = 0.0 if annotate else 0.9
        shrink, slot = 1.0, 1.0
        for _ in range(4):                                         # the cell size and the shrink settle together
            across = n_long + slot * n_short                       # the two columns' widths, in C's cells
            cell = min(0.36, 7.0 / across)
            width = max(7.5, cell * across + 3.5)
            cell = (width - 2.4) / across       # the cell size the layout will give: the width less the tick labels
            floor = min(MIN_MATRIX_SHRINK, NUMBER_CELL_INCHES / cell) if annotate else MIN_BAR_MATRIX_SHRINK
            shrink = min(1.0, max(n_short / n_long if n_long else 1.0, floor, text_inches / cell))
            t_cols = max(shrink * n_short, MIN_PANEL_INCHES / cell)
            slot = max(t_cols + 2 * bar_room / cell, title_inches / cell) / max(n_short, 1)
        across = n_long + slot * n_short
        cell = (width - 2.4) / across
        c_rows = max(n_short, MIN_PANEL_INCHES / cell)
        height = cell * max(c_rows, shrink * n_long) + 2.3 + _keras_height(st, width)
        fig, ax = pyplot().subplots(1, 2, figsize=(width, height), layout="constrained",
                                    width_ratios=[n_long, slot * n_short])
    else:
        fig = ax[0].figure
    if st.kind == "conv1d_transpose":
        left, right = matching_conv_padding(k, s, st.padding, st.output_padding, d)
        keras = conv_padding(n_long, k, s, st.padding, d)
        same = (left, max(right, 0)) == keras
        note = (f"matching conv1d: padding (left, right) = ({left}, {right})"
                + (f" = Keras padding={st.padding!r}" if same else
                   f"; Keras padding={st.padding!r} would pad {keras} and give a different length"))
        if right < 0:       # the transpose's last steps lie beyond its windows: the conv crops them instead
            note += (f"; a negative padding crops: the conv first drops the last {-right} "
                     f"step{'s' * (right < -1)} of the {n_long}, which no window of the conv reads")
        c_title, t_title = f"matching conv1d: C, {n_short}×{n_long}", f"{st.kind}: T = Cᵀ, {n_long}×{n_short}"
    else:
        left, right = conv_padding(st.input_length, k, s, st.padding, d)
        # the output_padding that makes the transpose span the padded input, as conv_matrices runs it (without it,
        # the op captioned "conv1d_transpose (valid)" gave 10 rows for the 11 of T: found by a teacher)
        extra = left + st.input_length + right - ((n_short - 1) * s + st.k_eff)
        note = (f"transposed: conv1d_transpose (valid, output_padding={extra}) cropped by the conv's padding "
                f"({left}, {right})")
        c_title, t_title = f"{st.kind}: C, {n_short}×{n_long}", f"its transpose: T = Cᵀ, {n_long}×{n_short}"
    # each side says what it indexes and how many steps it has: C's columns are its input, its rows its output;
    # T = Cᵀ maps C's output steps back to its input steps. (The labels said "long side"/"short side", wrong where
    # a conv1d_transpose with padding "same" shortens its input, meaningless for square matrices: found by a teacher)
    t_xlabel = f"input index ({_steps(n_short)})"
    # the transpose is a narrow column (a short side of 3 or less, or its smaller cells): its title and label on
    # two lines where they are wider than it (9- and 8-point text, about 0.6 em a character), not cut off
    t_inches = cell * t_cols if new_figure else ax[1].get_position().width * fig.get_figwidth()
    if n_short <= 3 or len(t_title) * 0.6 * 9 / 72 > t_inches:
        t_title = t_title.replace(": ", ":\n", 1)
    if n_short <= 3 or len(t_xlabel) * 0.6 * 8 / 72 > t_inches:
        t_xlabel = t_xlabel.replace(" (", "\n(", 1)
    _draw_matrix(ax[0], c, c_title, f"input index ({_steps(n_long)})", f"output index ({_steps(n_short)})", annotate)
    image = _draw_matrix(ax[1], t, t_title, t_xlabel, f"output index ({_steps(n_long)})", annotate,
                         x_ticks=round(12 * shrink) if new_figure else 12)
    if new_figure:                                                # a lopsided matrix's cells, longer one way
        ax[0].set_aspect(c_rows / max(n_short, 1))
        ax[1].set_aspect(shrink * n_short / t_cols if t_cols else 1.0)
    if not annotate:
        label = "matrix entry:\none tap's weight w_t"
        if new_figure:                                            # right beside T, as high as T
            bar = fig.colorbar(image, cax=_bar_beside(ax[1], fig), label=label)
        else:
            # in the caller's Axes: the bar takes its room out of T's Axes (matplotlib's own way, which every layout
            # engine and a figure without one take into account), T drawn against it; placed beside T's drawn box
            # instead, the bar and its label ran past the figure's right edge (found by a teacher)
            bar = fig.colorbar(image, ax=ax[1], label=label, fraction=0.08, pad=0.04)
        bar.ax.tick_params(labelsize=8)
    diff = float(np.max(np.abs(t - c.T))) if c.size else 0.0
    chars = _nine_point_chars(fig.get_figwidth())
    weights_text = "weights (taps 0..k-1) = [" + ", ".join(f"{w:.3g}" for w in st.weights) + "]"
    lines = [wrap_formula(st.describe(), chars), wrap_formula(weights_text, chars)]
    if st.weights_source:
        lines.append(textwrap.fill(st.weights_source, chars))
    fig.suptitle("\n".join(lines + [wrap_formula(f"{note};  max |T − Cᵀ| = {diff:g}", chars)]
                           + _keras_lines(st, chars)), fontsize=9)
    if new_figure:
        # the row of Axes as high as the taller matrix at the cell sizes chosen: a higher row let the narrow T,
        # limited by the height only, grow past its `shrink` and leave room under C blank again
        for _ in range(3):
            fig.draw_without_rendering()
            row = ax[1].get_position(original=True).height * fig.get_figheight()         # inches
            # C's cell from the width its column was given (original=True): where C is taller than wide (a conv1d_
            # transpose that shortens), the drawn C is limited by the row's height, its drawn width then too small,
            # and the row never grew: T was drawn with bigger cells than C (found by a teacher)
            c_cell = ax[0].get_position(original=True).width * fig.get_figwidth() / n_long
            wanted = c_cell * max(c_rows, shrink * n_long)
            if abs(row - wanted) < 0.02:
                break
            fig.set_size_inches(fig.get_figwidth(), fig.get_figheight() - row + wanted)
        fit_figure(fig)                 # a plain savefig keeps every label (the narrow T's too)
    return fig


#: The smallest scale of the transpose's cells against the matrix's in :func:`plot_conv_matrix`, with numbers
#: written in the cells (they stay readable) ...
MIN_MATRIX_SHRINK = 0.6
#: ... unless 0.6 of C's cell is more than this (inches: room for an 8-point number) ...
NUMBER_CELL_INCHES = 0.2
#: ... and with a colour bar instead of numbers (a cell of a few points still shows its colour).
MIN_BAR_MATRIX_SHRINK = 0.25


def _steps(n):
    """``"5 steps"``, ``"1 step"``: the length of a matrix side in its axis label."""
    return f"{n} step{'s' * (n != 1)}"


def matrix_shrink(n_short, n_long, annotate=True) -> float:
    """The scale of the cells of ``T`` (``n_long`` rows) against those of ``C`` (``n_short`` rows) in a new figure of
    :func:`plot_conv_matrix`: ``n_short / n_long``, so that both are as high, but at least ``MIN_MATRIX_SHRINK``
    (0.6) when numbers are written in the cells, ``MIN_BAR_MATRIX_SHRINK`` (0.25) when a colour bar gives the values
    (``annotate=False``); 1 for square matrices. (A figure with big cells, e.g. a 1×5 ``C``, goes below 0.6, down to
    ``NUMBER_CELL_INCHES``, still room for a number.)

    >>> matrix_shrink(5, 8), matrix_shrink(6, 17), matrix_shrink(4, 4), matrix_shrink(6, 30, annotate=False)
    (0.625, 0.6, 1.0, 0.25)
    """
    floor = MIN_MATRIX_SHRINK if annotate else MIN_BAR_MATRIX_SHRINK
    return min(1.0, max(n_short / n_long, floor)) if n_long else 1.0


def _matrix_limits(st):
    """Refuse, before any matrix is made, a matrix too long to read, or more taps than its long side shows."""
    if st.k_eff > MAX_MATRIX_SIDE:
        name = "dilation_rate" if st.dilation_rate > 1 else "kernel_size"
        raise ValueError(f"Invalid value for argument `{name}`: kernel_size={st.kernel_size} with "
                         f"dilation_rate={st.dilation_rate} spans k_eff = (k − 1)·d + 1 = {st.k_eff} steps, more than "
                         f"the matrix shows (at most {MAX_MATRIX_SIDE} on the long side)")
    n_short, n_long = sorted((st.input_length, st.output_length))
    if n_long > MAX_MATRIX_SIDE:
        raise ValueError(f"Invalid value for argument `input_length`: input_length={st.input_length} gives a "
                         f"{n_long}×{n_short} matrix, too many cells to read (at most {MAX_MATRIX_SIDE} on the long "
                         f"side). Draw a shorter input: the band is the same on every row, shifted by the stride")


# ------------------------------------------------------------------------------------------------------------
# The transposed convolution, step by step
# ------------------------------------------------------------------------------------------------------------
def _values(arg, name, default):
    if isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
        return default(normalize_int(arg, name))
    expected = "Expected an integer length or a non-empty 1-D sequence of finite numbers"
    if isinstance(arg, (str, bytes)):
        raise TypeError(f"Invalid type for argument `{name}`. {expected}. Received {name}={arg!r}")
    try:
        values = np.asarray(arg.numpy() if isinstance(arg, Tensor) else arg, dtype=np.float64)
    except (TypeError, ValueError):
        raise ValueError(f"Invalid value for argument `{name}`. {expected}. Received {name}={arg!r}") from None
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        # the values themselves where they are few enough to read (a NaN among them: found by a tester)
        shown = f"{name}={values.tolist()!r}" if values.ndim == 1 and 0 < values.size <= 20 else \
            f"{name} of shape {values.shape}"
        raise ValueError(f"Invalid value for argument `{name}`. {expected}. Received {shown}")
    return values


def _is_length(arg) -> bool:
    return isinstance(arg, (int, np.integer)) and not isinstance(arg, bool)


def _animation_limits(st):
    """Refuse, before the scatter is computed, a full output too long for one row of an animation."""
    _, c_right = conv_transpose_crops(st.kernel_size, st.strides, st.padding, st.output_padding, st.dilation_rate)
    frame_len = full_transpose_length(st.input_length, st.kernel_size, st.strides, st.dilation_rate) \
        + max(-c_right, 0)
    if frame_len > MAX_ANIMATION_CELLS:
        raise ValueError(f"Invalid value for argument `inputs`: {st.input_length} inputs make a full output of "
                         f"{frame_len} cells, too many to read in one animation (at most {MAX_ANIMATION_CELLS}). "
                         f"Animate a shorter input (the scatter repeats every input), or draw plot_connectivity, "
                         f"which wraps long rows")


def _annotate(annotate):
    """``annotate``: None (the default rule) or a bool; anything else is refused (``"no"`` is not False)."""
    if annotate is None or isinstance(annotate, (bool, np.bool_)):
        return annotate if annotate is None else bool(annotate)
    raise TypeError(f"Invalid type for argument `annotate`. Expected True, False or None (the default). "
                    f"Received annotate={annotate!r}")


def scatter_steps(inputs, kernel, strides=1, dilation_rate=1):
    """The full transposed convolution after scattering ``x_0 .. x_{b-1}``, for ``b = 0 .. L``, through the op.

    Row ``b`` is ``conv1d_transpose(x * [j < b], kernel, padding="valid", output_padding=0)``: the overlap-add
    accumulated once the first ``b`` inputs have been scattered (length ``F = (L - 1) * s + k_eff``, no crop).
    Returns ``(partials (L + 1, F), counts (L + 1, F))``; ``counts`` is the number of contributions so far.

    >>> partials, counts = scatter_steps([1.0, 2.0], [1.0, 1.0, 1.0], strides=2)
    >>> partials[-1].tolist(), counts[-1].astype(int).tolist()
    ([1.0, 1.0, 3.0, 2.0, 2.0], [1, 1, 2, 1, 1])
    """
    from ..ops.conv import conv1d_transpose

    x = _values(inputs, "inputs", lambda n: np.arange(1.0, n + 1.0))
    w = _values(kernel, "kernel", np.ones)
    s, d = normalize_int(strides, "strides"), normalize_int(dilation_rate, "dilation_rate")
    mask = np.tril(np.ones((x.size + 1, x.size)), -1)                 # row b keeps inputs j < b

    def run(signal, taps):
        batch = Tensor((mask * signal)[:, :, None], dtype="float64", backend="numpy")
        kern = Tensor(taps.reshape(-1, 1, 1), dtype="float64", backend="numpy")
        return conv1d_transpose(batch, kern, strides=s, padding="valid", output_padding=0,
                                dilation_rate=d).numpy()[:, :, 0]

    return run(x, w), run(np.ones_like(x), np.ones_like(w))


def copies_shade(count):
    """The colour of an output cell of :func:`animate_transposed_conv` that has received ``count`` kernel copies:
    white for none, then darker blues (matplotlib's ``"Blues"`` at ``0.9 - 0.6 * 0.6 ** (count - 1)``: 1 copy
    0.30, 2 copies 0.54, 3 copies 0.68, 4 copies 0.77, ..., never past 0.9). One fixed scale, so that a count has
    the same colour in every animation (scaled to each animation's largest count, 1 copy was the darkest blue where no
    cell got 2, and a light one elsewhere: found by a student).

    >>> copies_shade(0)
    '#ffffff'
    >>> copies_shade(1) == copies_shade(1.0) and copies_shade(2) != copies_shade(1)
    True
    """
    if not count:
        return "#ffffff"
    return pyplot().get_cmap("Blues")(0.9 - 0.6 * 0.6 ** (int(count) - 1))


def animate_transposed_conv(inputs, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                            path=None, fps=1.5, ax=None):
    """A GIF-ready animation of the kernel scattering each input into the output, with overlap accumulation.

    Frame 0 shows the empty full output (its ``F = (L - 1)·s + k_eff`` cells, then, where ``N`` runs past ``F``
    (``output_padding``, or ``strides > k_eff``), the zero cells no input reaches, which only the bias fills; the
    titles count both); frame ``j + 1`` scatters ``x_j``: the values ``x_j * w_t`` land at full
    positions ``j*s + t*d`` (lines coloured by tap), adding to what is already there; cell colour counts the
    contributions received (overlap; a legend gives the counts; one fixed scale, :func:`copies_shade`), so a kernel
    size that is not a multiple of the stride shows its checkerboard; each cell's number is black or white,
    whichever contrasts more with its shade. Inputs whose full output exceeds 20 cells are refused with a
    ValueError. The last frame crops the full output to ``[c_left, c_left + N)`` and shows ``conv1d_transpose``'s
    result. The accumulated values come from :func:`scatter_steps` (through the op).

    Args:
        inputs: the input values (1-D), or a length ``L`` (values ``1 .. L``).
        kernel: the tap values (1-D), or a kernel size ``k`` (ones).
        strides, padding, output_padding, dilation_rate: as for ``conv1d_transpose``.
        path: when given, save the animation there (a ``.gif``, Pillow writer), atomically.
        fps: frames per second of the saved GIF, from 0.01 to 50 (``viz.animation.MIN_FPS``, ``MAX_FPS``: a GIF
            frame lasts at most 655 s, and browsers play frames shorter than 1/50 s slower); checked also without
            ``path``, for :func:`show_animation`.
        ax: the Axes to draw into (default: a new figure).

    Returns:
        The ``matplotlib.animation.FuncAnimation`` (``L + 2`` frames); its ``partials`` attribute holds the
        accumulated full outputs and ``output`` the final, cropped one, ``figure`` the figure it redraws and
        ``fps`` its frame rate. :func:`show_animation` plays it inline in a notebook. In a frame, the full
        output's cell ``q`` is the Rectangle with gid ``"output:q"`` and its number the Text with gid ``"value:q"``.

    Raises:
        ValueError: an invalid value of any argument (naming it and the value received), a ``path`` that does not
            end in ``.gif``, or a full output longer than ``MAX_ANIMATION_CELLS`` (20) cells, before anything is
            drawn.
        TypeError: an argument of the wrong kind (a string ``inputs``, a ``path`` that is not a path, an ``ax`` that
            is not an Axes), before anything is drawn.

    >>> anim = animate_transposed_conv([1.0, 2.0], [1.0, 1.0, 1.0], strides=2)
    >>> anim._func(2)                                  # both inputs scattered: cell 2 received two copies (mid blue)
    []
    >>> [(t.get_text(), t.get_color()) for t in anim.figure.axes[0].texts if t.get_gid() in ("value:1", "value:2")]
    [('1', 'black'), ('3', 'black')]
    """
    from matplotlib.animation import FuncAnimation
    from matplotlib.patches import Patch, Rectangle

    from ..ops.conv import conv1d_transpose

    fps = frames_per_second(fps)
    path = check_gif_path(path)
    # the lengths first (an integer makes no array yet): a too long animation is refused before anything is made
    x = None if _is_length(inputs) else _values(inputs, "inputs", None)
    w = None if _is_length(kernel) else _values(kernel, "kernel", None)
    _setting("conv1d_transpose", normalize_int(inputs, "inputs") if x is None else x.size,
             normalize_int(kernel, "kernel") if w is None else w.size, strides, padding, output_padding,
             dilation_rate, limits=_animation_limits)
    x = _values(inputs, "inputs", lambda n: np.arange(1.0, n + 1.0)) if x is None else x
    w = _values(kernel, "kernel", np.ones) if w is None else w
    st = _setting("conv1d_transpose", x.size, w.size, strides, padding, output_padding, dilation_rate, w,
                  limits=_animation_limits)
    s, d, L = st.strides, st.dilation_rate, st.input_length
    partials, counts = scatter_steps(x, w, s, d)
    c_left, c_right = conv_transpose_crops(st.kernel_size, s, st.padding, st.output_padding, d)
    n_out = st.output_length
    full = partials.shape[1]
    frame_len = full + max(-c_right, 0)
    # where N runs past F (output_padding, or strides > k_eff), the row holds F scattered cells and then the
    # `extension` zero cells no input reaches, which only the bias fills: "F = 16 cells; the crop keeps N = 18" under
    # a row of 18 cells contradicted itself (found by a teacher). Keras: N = (L - 1)·s + k + output_padding (valid)
    extension = frame_len - full
    cause = f"output_padding = {st.output_padding}" if st.output_padding is not None else \
        f"strides {s} > k_eff {st.k_eff}"
    plural = "s" * (extension != 1)
    extra_line = (f", then {extension} zero cell{plural} no input reaches ({cause}; bias only): "
                  f"{frame_len} cells") if extension else ""
    extra_cells = f" and the {extension} zero cell{plural} after it" if extension else ""
    output = conv1d_transpose(Tensor(x.reshape(1, L, 1), dtype="float64", backend="numpy"),
                              Tensor(w.reshape(-1, 1, 1), dtype="float64", backend="numpy"), strides=s,
                              padding=st.padding, output_padding=st.output_padding,
                              dilation_rate=d).numpy()[0, :, 0]
    inch = min(0.55, 10.0 / (frame_len + 4))
    new_figure = ax is None
    # the data the Axes show: the labels left of x = 0, the cells from the output row (y = 0) to the input row (2.0)
    x_limits = (-3.2, max(frame_len, (L - 1) * s + 1) + 0.2)
    # A new figure's legend stands below the Axes, outside them (the layout engine makes room for it), so that it
    # never covers the cells. Drawn inside them, in a fixed band of 1.6 cells under the output row, it covered the
    # output cells' lower edge in 115 of 640 small settings (found by a teacher): the figure's height shrank as the
    # full output grew longer, while the legend's font grew with the figure's width (13 points at 10 inches). In the
    # caller's Axes the legend stays inside them, in that band (8 points), where the caller's layout expects it.
    y_limits = (-_CELL / 2 - 0.2, 2.6) if new_figure else (-2.0, 2.6)
    if ax is None:
        width = max(6.5, inch * (frame_len + 4))
        points = legend_points(width)
        # first guess: the title's lines, the rows of cells at the width's scale, the legend (a title of two lines
        # and a row of keys); the figure's height is then set to what the laid-out Axes need (below)
        legend_inches = 4.5 * 1.25 * points / 72
        fig = pyplot().figure(figsize=(width, 0.9 + _keras_height(st, width) + legend_inches
                                       + (y_limits[1] - y_limits[0]) * width / (frame_len + 4)),
                              layout="constrained")
        ax = fig.add_subplot()
    else:
        ax = new_axes(ax, None)
        fig = ax.figure
    chars = _nine_point_chars(fig.get_figwidth())
    colors, styles = _tap_colors(st.kernel_size), _tap_styles(st.kernel_size)
    top_count = max(int(counts[-1].max()), 1)
    half = _CELL / 2
    shade = copies_shade

    def draw(frame):
        ax.clear()
        ax.axis("off")
        ax.set_xlim(*x_limits)
        ax.set_ylim(*y_limits)
        ax.set_aspect("equal")
        step = frame - 1                                             # the input being scattered, if any
        final = frame == L + 1
        ax.text(-0.8, 2.0, "input", ha="right", va="center", fontsize=9)
        ax.text(-0.8, 0.0, "output" if final else "full output", ha="right", va="center", fontsize=9)
        for j in range(L):
            current = j == step
            ax.add_patch(Rectangle((j * s - half, 2.0 - half), _CELL, _CELL, facecolor="#cfe2f3",
                                   edgecolor="#cc0000" if current else "#555555",
                                   linewidth=2.5 if current else 0.8))
            ax.text(j * s, 2.0, f"{x[j]:.2g}", ha="center", va="center", fontsize=8)
        done = min(max(frame, 0), L)
        for q in range(frame_len):
            value = partials[done, q] if q < full else 0.0
            count = counts[done, q] if q < full else 0.0
            kept = c_left <= q < c_left + n_out
            face, hatch = shade(count), None
            if final and not kept:
                face, hatch = CELL_STYLES["cropped"][0], CELL_STYLES["cropped"][1]
            elif final and kept and count == 0:
                face, hatch = CELL_STYLES["bias"][0], CELL_STYLES["bias"][1]
            ax.add_patch(Rectangle((q - half, -half), _CELL, _CELL, facecolor=face, hatch=hatch,
                                   edgecolor="#555555", linewidth=0.8, gid=f"output:{q}"))
            shown = output[q - c_left] if final and kept else value
            # on a hatched cell, the label sits on a white patch; else black or white, whichever contrasts more
            # with the cell's shade (a cell that received two copies is dark blue: its number is white)
            if not (final and not kept):
                ax.text(q, 0.0, f"{shown:.2g}", ha="center", va="center", fontsize=8, zorder=3,
                        color="black" if hatch else text_color_on(face), bbox=_LABEL_BOX if hatch else None,
                        gid=f"value:{q}")
        if 0 <= step < L:
            for t in range(st.kernel_size):
                q = step * s + t * d
                ax.plot([step * s, q], [2.0 - half, half + 0.32], color=colors[t], linestyle=styles[t],
                        linewidth=1.8)
                ax.text(q, half + 0.18, f"×{w[t]:.2g}", color="black", fontsize=7.5, ha="center", va="center",
                        bbox={"facecolor": "white", "edgecolor": colors[t], "pad": 0.6, "linewidth": 0.8})
            title = (f"step {step + 1}/{L}: x[{step}] = {x[step]:.3g} is scattered to positions {step}·{s} + t·{d} "
                     f"(tap t) and added: overlaps accumulate")
        elif final:
            title = (f"crop [{c_left}, {c_left + n_out}) of the full output{extra_cells}: y = {st.kind}(x) has "
                     f"N = {n_out} values")
        else:
            title = f"{st.describe()}: the full output starts at zero"
        # while scattering, the frame holds the full output, (L - 1)·s + k_eff cells, and the zero cells the crop
        # runs past it: its formula, and how many the crop keeps; the last frame, after the crop, gives the op's
        # own N (a student read "N = 8" above 9 cells)
        length_line = _formula(st) if final else (
            f"full output F = (L − 1)·s + k_eff = ({L} − 1)·{s} + {st.k_eff} = {full} cells{extra_line}; "
            f"the crop keeps N = {n_out}")
        ax.set_title("\n".join([textwrap.fill(title, chars), wrap_formula(length_line, chars)]
                               + _keras_lines(st, chars)), fontsize=9)
        # the legend names what this frame draws: the colour scale while scattering; in the last frame only the
        # counts of the kept cells that received something, then "cropped" and "bias only" when there are any
        if final:
            kept_counts = counts[L, c_left:min(c_left + n_out, full)]
            shown_counts = sorted({int(c) for c in kept_counts if c > 0})
            handles = [Patch(facecolor=shade(c), edgecolor="#555555", label=f"{c}") for c in shown_counts]
            categories = [("cropped", "cropped", c_left > 0 or c_left + n_out < frame_len),
                          ("bias", "bias only (no input)", n_out > kept_counts.size or (kept_counts == 0).any())]
            handles += [Patch(facecolor=CELL_STYLES[c][0], hatch=CELL_STYLES[c][1], edgecolor="#555555",
                              label=label) for c, label, drawn in categories if drawn]
        else:
            handles = [Patch(facecolor=shade(c), edgecolor="#555555", label=f"{c}") for c in range(top_count + 1)]
        # a new figure's legend: its capitals 10 pixels tall once shown 800 pixels wide (8.9 at 8 points in
        # tutorial 03's animation), its title wrapped to the figure's width
        points = legend_points(fig.get_figwidth()) if new_figure else 8.0
        key = "cell colour: kernel copies added to the output cell so far (the same in every animation)"
        place = {"loc": "upper center", "bbox_to_anchor": (0.5, 0.0), "borderaxespad": 0.2} if new_figure else \
            {"loc": "lower center", "borderaxespad": 0.0}
        legend = ax.legend(handles=handles, ncol=len(handles), fontsize=points, title_fontsize=points,
                           frameon=False, handlelength=1.4, columnspacing=1.0, **place,
                           title=textwrap.fill(key, max(30, int((fig.get_figwidth() - 0.5) * 72 / (points * 0.62)))))
        legend.get_title().set_multialignment("center")
        return []

    anim = FuncAnimation(fig, draw, frames=L + 2, interval=1000.0 / fps, blit=False, repeat=True)
    if new_figure:      # the first frame, laid out: the figure saved or shown as it is holds all of it
        draw(0)
        # the figure as high as the Axes need at the width they were given (their box has the data's aspect):
        # higher, the cells were drawn smaller and centred between blank bands; lower, cut to the height
        for _ in range(3):
            fig.draw_without_rendering()
            box = ax.get_position(original=True)
            have = box.height * fig.get_figheight()
            wanted = box.width * fig.get_figwidth() * (y_limits[1] - y_limits[0]) / (x_limits[1] - x_limits[0])
            if abs(have - wanted) < 0.02:
                break
            fig.set_size_inches(fig.get_figwidth(), fig.get_figheight() - have + wanted)
    anim.partials, anim.counts, anim.output = partials, counts, output
    anim.figure, anim.fps = fig, fps
    if path is not None:
        save_gif(anim, path)
    return anim


def _save(fig, path):
    """Save ``fig`` atomically (used by the command line)."""
    return savefig(fig, path, dpi=110, bbox_inches="tight")
