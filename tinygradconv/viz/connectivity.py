r"""Which input feeds which output, through which tap: connectivity of ``conv1d`` and ``conv1d_transpose``.

Everything is computed *through the op*, never by a second implementation of the convolution. For one channel
the op is linear in its input, so its Jacobian is a matrix ``J`` of shape ``(output_length, input_length)`` with

.. math:: J_{n j} = \frac{\partial y_n}{\partial x_j},

obtained by pushing the basis vectors :math:`e_j` through the op in one batch (``method="forward"``) or by one
backward pass with the basis vectors :math:`e_n` of the output as gradients (``method="backward"``, a batch of
vector-Jacobian products). With a kernel of ones, ``J`` counts the taps linking ``x_j`` to ``y_n``; running the op
once per tap with a one-hot kernel splits ``J`` into one 0/1 matrix per tap, :math:`J = \sum_t w_t J^{(t)}`
(:func:`tap_matrices`), and those are the lines of :func:`plot_connectivity`.

Lengths, paddings and crops come from :mod:`tinygradconv.ops.conv_arithmetic` (the formulas are not re-derived
here). The conv1d of ``conv1d_transpose`` (the "matching" conv1d of the matrix view on the maths page,
docs/conv1d_transpose_math.md) has exactly the transposed matrix, which :func:`conv_matrices` and
:func:`plot_conv_matrix` show.

>>> from tinygradconv.viz import connectivity_matrix
>>> connectivity_matrix("conv1d_transpose", 2, kernel_size=3, strides=2).astype(int).tolist()
[[1, 0], [1, 0], [1, 1], [0, 1], [0, 1]]
"""
from __future__ import annotations

from dataclasses import dataclass

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
from ._mpl import atomic_path, new_axes, pyplot, savefig

__all__ = [
    "KINDS",
    "ConvSetting",
    "animate_transposed_conv",
    "connections",
    "connectivity_matrix",
    "conv_matrices",
    "conv_setting",
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


def _layer_kind(layer):
    names = [cls.__name__ for cls in type(layer).__mro__]
    if "Conv1DTranspose" in names:
        return "conv1d_transpose"
    if "Conv1D" in names:
        return "conv1d"
    raise TypeError(f"Invalid value for argument `kind`. Expected 'conv1d', 'conv1d_transpose' or a Conv1D / "
                    f"Conv1DTranspose layer. Received kind={layer!r} of type {type(layer).__name__}")


def conv_setting(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                 dilation_rate=1, weights=None) -> ConvSetting:
    """Validate the arguments shared by every function of this module and return a :class:`ConvSetting`.

    Args:
        kind: ``"conv1d"``, ``"conv1d_transpose"``, or a ``Conv1D`` / ``Conv1DTranspose`` layer (its config gives
            every other argument but ``input_length``; ``weights="kernel"`` takes its kernel, channel 0 to 0).
        input_length: length ``L`` of the op's input (at least 1).
        kernel_size, strides, padding, output_padding, dilation_rate: as for the op (``output_padding`` only for
            ``conv1d_transpose``).
        weights: ``None`` (a kernel of ones: entries count the connecting taps) or ``k`` tap values.

    Raises:
        ValueError, TypeError: naming the argument and the value received.

    >>> conv_setting("conv1d", 5, 3, padding="SAME").padding
    'same'
    """
    if not isinstance(kind, str):
        layer = kind
        kind = _layer_kind(layer)
        config = layer.get_config()
        kernel_size, strides = config["kernel_size"], config["strides"]
        padding, dilation_rate = config["padding"], config["dilation_rate"]
        output_padding = config.get("output_padding")
        if isinstance(weights, str) and weights == "kernel":
            if not getattr(layer, "built", False):
                raise ValueError(f"weights='kernel' needs a built layer; call {layer.name!r} on an input first")
            weights = np.asarray(layer.get_weights()[0])[:, 0, 0]
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
    if weights is None:
        values = np.ones(k)
    else:
        if isinstance(weights, str):
            raise ValueError(f"Invalid value for argument `weights`. Expected None, {k} numbers, or 'kernel' with a "
                             f"layer. Received weights={weights!r}")
        values = np.asarray(weights.numpy() if isinstance(weights, Tensor) else weights, dtype=np.float64)
        if values.shape in ((k, 1, 1),):
            values = values[:, 0, 0]
        if values.shape != (k,):
            raise ValueError(f"Invalid value for argument `weights`. Expected {k} tap values (kernel_size={k}). "
                             f"Received weights of shape {values.shape}")
        if not np.all(np.isfinite(values)):
            raise ValueError(f"Invalid value for argument `weights`. Expected finite numbers. Received {values}")
    setting = ConvSetting(kind, length, k, s, padding, op, d, tuple(float(w) for w in values))
    if setting.output_length == 0:
        raise ValueError(f"{setting.describe()} has an empty output ({_formula(setting)}); choose a longer "
                         f"input_length")
    return setting


# ------------------------------------------------------------------------------------------------------------
# Through the op
# ------------------------------------------------------------------------------------------------------------
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
    else:
        raise ValueError(f"Invalid value for argument `method`. Expected 'forward' or 'backward'. "
                         f"Received method={method!r}")
    if jac.shape != (n_out, length):
        raise RuntimeError(f"{setting.describe()} gave an output of length {jac.shape[0]}, but conv_arithmetic "
                           f"says {n_out}")
    return np.ascontiguousarray(jac)


def connectivity_matrix(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                        dilation_rate=1, weights=None, method="forward"):
    r"""The ``(output_length, input_length)`` matrix :math:`J_{nj} = \partial y_n / \partial x_j` of one channel.

    Computed through the op itself: ``method="forward"`` pushes the ``L`` basis vectors through it in one batch,
    ``method="backward"`` runs one backward pass whose output gradients are the basis vectors (both give ``J``).
    With ``weights=None`` the kernel is all ones, so each entry counts the taps that connect ``x_j`` to ``y_n``.

    Args:
        kind: ``"conv1d"`` or ``"conv1d_transpose"``, or a Conv1D / Conv1DTranspose layer (see
            :func:`conv_setting`; ``weights="kernel"`` uses the layer's kernel, channel 0 to channel 0).
        input_length, kernel_size, strides, padding, output_padding, dilation_rate: as for the op.
        weights: the ``k`` tap values (default: ones).
        method: ``"forward"`` or ``"backward"``.

    Returns:
        A float64 NumPy array.

    >>> connectivity_matrix("conv1d", 4, kernel_size=2, strides=2).astype(int).tolist()
    [[1, 1, 0, 0], [0, 0, 1, 1]]
    """
    if not isinstance(kind, str) and hasattr(kind, "layers"):   # a whole model: see viz.model_connectivity
        from .model_connectivity import model_connectivity_matrix
        return model_connectivity_matrix(kind, input_length, weights=weights)
    setting = conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights)
    return _jacobian(setting, setting.weights, method)


def tap_matrices(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                 dilation_rate=1):
    r"""The per-tap decomposition: ``T[t]`` is the connectivity with the one-hot kernel :math:`e_t`.

    ``T[t, n, j] = 1`` when tap ``t`` carries ``x_j`` into ``y_n``; for any kernel ``w``,
    :math:`J = \sum_t w_t T^{(t)}`. Each matrix is computed through the op. Returns ``(k, N, L)``.

    >>> tap_matrices("conv1d", 3, kernel_size=2)[1].astype(int).tolist()
    [[0, 1, 0], [0, 0, 1]]
    """
    setting = conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate)
    return _taps(setting)


def _taps(setting):
    eye = np.eye(setting.kernel_size)
    return np.stack([_jacobian(setting, eye[t]) for t in range(setting.kernel_size)])


def connections(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                dilation_rate=1):
    """Every ``(j, n, t)``: input ``j`` reaches output ``n`` through tap ``t`` (from :func:`tap_matrices`).

    >>> connections("conv1d_transpose", 2, kernel_size=2, strides=2)
    [(0, 0, 0), (0, 1, 1), (1, 2, 0), (1, 3, 1)]
    """
    taps = tap_matrices(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate)
    return _connections(taps)


def _connections(taps):
    found = [(int(j), int(n), int(t)) for t, n, j in zip(*np.nonzero(taps))]
    return sorted(found)


def conv_matrices(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                  dilation_rate=1, weights=None):
    r"""The matrix ``C`` of a conv1d and the matrix ``T`` of the matching conv1d_transpose, each through its op.

    ``kind="conv1d_transpose"``: ``T`` is the described op's matrix ``(N, L)``; ``C`` is the matrix of the matching
    conv1d (same kernel, strides and dilation on a signal of length ``N``, explicitly padded by
    :func:`~tinygradconv.ops.conv_arithmetic.matching_conv_padding`), run through ``pad`` and ``conv1d``.

    ``kind="conv1d"``: ``C`` is the described op's matrix ``(N, L)``; ``T`` is the conv1d_transpose of its output
    (``padding="valid"`` with the ``output_padding`` that spans the padded input) cropped by the conv's
    ``(left, right)`` padding, run through ``conv1d_transpose``.

    Either way ``T == C.T`` holds exactly, which is the point: the transposed convolution is the transpose of the
    convolution's matrix. Returns ``(C, T)`` as float64 NumPy arrays.

    >>> c, t = conv_matrices("conv1d_transpose", 3, kernel_size=3, strides=2, padding="same")
    >>> bool((t == c.T).all()), c.shape
    (True, (3, 6))
    """
    from ..ops.conv import conv1d, conv1d_transpose
    from ..ops.shape import pad

    setting = conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights)
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


# ------------------------------------------------------------------------------------------------------------
# Titles
# ------------------------------------------------------------------------------------------------------------
def output_length_formula(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                          dilation_rate=1) -> str:
    """The output-length formula of the case, then with the numbers, then the length (from conv_arithmetic).

    >>> output_length_formula("conv1d_transpose", 5, 3, strides=2, padding="same")
    'N = L·s = 5·2 = 10'
    """
    st = conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate)
    return _formula(st)


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
        text = f"N = (L − 1)·s + k_eff mod 2 + output_padding = ({L} − 1)·{s} + {ke} mod 2 + {op} = {n}"
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
    "zero": ("#ffffff", "...", "zero inserted (between strided inputs)"),
    "padding": ("#e8e8e8", "///", "padding (zeros)"),
    "output": ("#d9ead3", None, "output y[n]"),
    "cropped": ("#f4cccc", "xxx", "cropped away (not in the output)"),
    "bias": ("#fff2cc", "\\\\\\", "bias only (no input reaches it)"),
}
_CELL = 0.84


def _layout(st, taps):
    """Cells ``(x, category, index)`` of the input and output rows, and the x of every input / output index.

    conv1d: the padded input ``x_pad`` on top (``x[j]`` at ``x = j``), output ``n`` below the centre of its window
    ``n*s - left + (k_eff - 1)/2``. conv1d_transpose: the equivalent direct convolution's input on top (zeros
    inserted between strided inputs and ``k_eff - 1`` padding cells on each side, ``x[j]`` at
    ``j*s + (k_eff - 1)/2``); below it the full transposed output (position ``q`` at ``x = q``), whose cells outside
    ``[c_left, c_left + N)`` are cropped. A kept cell whose row of ``J`` is zero is bias-only.
    """
    structure = taps.sum(axis=0)
    reached = structure.any(axis=1)                     # output n gets at least one input
    read = structure.any(axis=0)                        # input j reaches at least one output
    L, N, s, ke = st.input_length, st.output_length, st.strides, st.k_eff
    top, bottom, x_in, x_out = [], [], {}, {}
    if st.kind == "conv1d":
        left, right = conv_padding(L, st.kernel_size, s, st.padding, st.dilation_rate)
        top += [(float(x), "padding", None) for x in range(-left, 0)]
        for j in range(L):
            x_in[j] = float(j)
            top.append((float(j), "input" if read[j] else "unread", j))
        top += [(float(x), "padding", None) for x in range(L, L + right)]
        for n in range(N):
            x_out[n] = n * s - left + (ke - 1) / 2
            bottom.append((x_out[n], "output" if reached[n] else "bias", n))
        return top, bottom, x_in, x_out
    c_left, c_right = conv_transpose_crops(st.kernel_size, s, st.padding, st.output_padding, st.dilation_rate)
    full = full_transpose_length(L, st.kernel_size, s, st.dilation_rate)
    extension = max(-c_right, 0)
    inputs_at = {(ke - 1) + j * s: j for j in range(L)}
    span_end = (ke - 1) + (L - 1) * s
    for m in range(full + extension + ke - 1):
        x = m - (ke - 1) / 2
        if m in inputs_at:
            j = inputs_at[m]
            x_in[j] = x
            top.append((x, "input" if read[j] else "unread", j))
        else:
            top.append((x, "zero" if ke - 1 < m < span_end else "padding", None))
    for q in range(full + extension):
        n = q - c_left
        if 0 <= n < N:
            x_out[n] = float(q)
            bottom.append((float(q), "output" if reached[n] else "bias", n))
        else:
            bottom.append((float(q), "cropped", None))
    return top, bottom, x_in, x_out


def _tap_colors(k):
    cmap = pyplot().get_cmap("tab10" if k <= 10 else "viridis")
    return [cmap(t if k <= 10 else t / max(k - 1, 1)) for t in range(k)]


def plot_connectivity(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                      dilation_rate=1, weights=None, ax=None, annotate=None):
    """Draw which input feeds which output: input cells above, output cells below, one line per (input, tap).

    Lines are coloured by tap index; with ``weights`` given their width follows ``|w_t|`` (dashed when negative).
    Padding cells, zeros inserted between strided inputs (conv1d_transpose), cropped output positions and
    bias-only output positions (no input reaches them) are hatched in distinct colours and named in the legend.
    The title states the op and its output-length formula with the numbers. The lines come from
    :func:`tap_matrices` (one-hot kernels through the op); the cell positions from ``conv_arithmetic``.

    Args:
        kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights: as for
            :func:`connectivity_matrix` (``kind`` may be a layer; ``weights="kernel"`` then draws its kernel).
        ax: the matplotlib Axes to draw into (default: a new figure).
        annotate: write ``x0``, ``y0``, ... in the cells (default: when there are at most 48 cells per row).

    Returns:
        The matplotlib Axes. Every cell is a ``Rectangle`` whose gid is ``"<category>:<index>"`` (index empty for
        padding, zero-inserted and cropped cells); every connection a ``Line2D`` with gid ``"conn:j:n:t"``.

    >>> ax = plot_connectivity("conv1d_transpose", 3, kernel_size=3, strides=2, padding="same")
    >>> len(ax.lines)                     # 3 inputs x 3 taps, one of which lands in the cropped position
    8
    """
    if not isinstance(kind, str) and hasattr(kind, "layers"):   # a whole model: see viz.model_connectivity
        from .model_connectivity import plot_model_connectivity
        return plot_model_connectivity(kind, input_length, weights=weights)
    from matplotlib.lines import Line2D
    from matplotlib.patches import Patch, Rectangle

    weighted = weights is not None
    st = conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights)
    taps = _taps(st)
    top, bottom, x_in, x_out = _layout(st, taps)
    n_cells = max(len(top), len(bottom))
    ax = new_axes(ax, figsize=(min(max(6.0, 0.4 * (n_cells + 4)), 24.0), 3.4))
    annotate = n_cells <= 48 if annotate is None else bool(annotate)
    font = 8 if n_cells <= 24 else 6
    half = _CELL / 2
    y_top, y_bottom = 2.0, 0.0

    present = set()
    for row, y in ((top, y_top), (bottom, y_bottom)):
        for x, category, index in row:
            face, hatch, _ = CELL_STYLES[category]
            ax.add_patch(Rectangle((x - half, y - half), _CELL, _CELL, facecolor=face, hatch=hatch,
                                   edgecolor="#555555", linewidth=0.8,
                                   gid=f"{category}:{'' if index is None else index}"))
            present.add(category)
            if annotate:
                label = {"input": f"x{index}", "unread": f"x{index}", "output": f"y{index}",
                         "bias": f"y{index}"}.get(category, "")             # zeros: the hatch says it
                if label:
                    ax.text(x, y, label, ha="center", va="center", fontsize=font, zorder=3)

    colors = _tap_colors(st.kernel_size)
    w = np.asarray(st.weights)
    scale = float(np.max(np.abs(w))) or 1.0
    for j, n, t in _connections(taps):
        width = 0.5 + 2.5 * abs(w[t]) / scale if weighted else 1.4
        ax.add_line(Line2D([x_in[j], x_out[n]], [y_top - half, y_bottom + half], color=colors[t], linewidth=width,
                           linestyle="--" if weighted and w[t] < 0 else "-", alpha=0.9, zorder=2,
                           gid=f"conn:{j}:{n}:{t}"))

    handles = [Patch(facecolor=CELL_STYLES[c][0], hatch=CELL_STYLES[c][1], edgecolor="#555555",
                     label=CELL_STYLES[c][2]) for c in CELL_STYLES if c in present]
    handles += [Line2D([], [], color=colors[t], linewidth=2,
                       label=f"tap {t}" + (f" (w={w[t]:g})" if weighted else "")) for t in range(st.kernel_size)]
    xs = [x for x, _, _ in top + bottom]
    ax.text(min(xs) - 0.8, y_top, "input", ha="right", va="center", fontsize=9)
    ax.text(min(xs) - 0.8, y_bottom, "output", ha="right", va="center", fontsize=9)
    ax.set_xlim(min(xs) - 3.2, max(xs) + 1.0)
    ax.set_ylim(-0.6, 2.6)
    ax.set_aspect("equal")
    ax.axis("off")
    ax.legend(handles=handles, loc="upper center", bbox_to_anchor=(0.5, 0.02), ncol=4, fontsize=7, frameon=False)
    ax.set_title(f"{st.describe()}\n{_formula(st)}", fontsize=9)
    return ax


# ------------------------------------------------------------------------------------------------------------
# The convolution as a matrix
# ------------------------------------------------------------------------------------------------------------
def _draw_matrix(ax, matrix, title, xlabel, ylabel, annotate):
    top = float(np.max(np.abs(matrix))) if matrix.size else 1.0
    top = top or 1.0
    if matrix.size and matrix.min() < 0:
        ax.imshow(matrix, cmap="RdBu_r", vmin=-1.6 * top, vmax=1.6 * top, aspect="equal", interpolation="nearest")
    else:
        ax.imshow(matrix, cmap="Blues", vmin=0.0, vmax=1.6 * top, aspect="equal", interpolation="nearest")
    if annotate:
        for (r, c), v in np.ndenumerate(matrix):
            if v != 0:
                ax.text(c, r, f"{v:g}", ha="center", va="center", fontsize=7)
    ax.set_title(title, fontsize=9)
    ax.set_xlabel(xlabel, fontsize=8)
    ax.set_ylabel(ylabel, fontsize=8)
    ax.set_xticks(range(matrix.shape[1]))
    ax.set_yticks(range(matrix.shape[0]))
    ax.tick_params(labelsize=6)


def plot_conv_matrix(kind, input_length, kernel_size=None, strides=1, padding="valid", output_padding=None,
                     dilation_rate=1, weights=None, ax=None, annotate=None):
    """The matrix ``C`` of a conv1d beside the matrix ``T`` of the matching conv1d_transpose: ``T = Cᵀ``.

    Both come from :func:`conv_matrices` (each through its own op); the figure title reports ``max |T - Cᵀ|``
    and the conv1d's explicit padding (and whether Keras's padding name gives the same).

    Args:
        kind, input_length, ...: the described op, as for :func:`conv_matrices`.
        ax: a pair of Axes (``C`` left, ``T`` right); default a new figure.
        annotate: write the non-zero values in the cells (default: when both sides are at most 24).

    Returns:
        The matplotlib Figure; ``fig.axes[0].images[0]`` holds ``C``, ``fig.axes[1].images[0]`` holds ``T``.

    >>> fig = plot_conv_matrix("conv1d_transpose", 3, kernel_size=3, strides=2)
    >>> fig.axes[1].images[0].get_array().shape
    (7, 3)
    """
    c, t = conv_matrices(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights)
    st = conv_setting(kind, input_length, kernel_size, strides, padding, output_padding, dilation_rate, weights)
    k, s, d = st.kernel_size, st.strides, st.dilation_rate
    if ax is None:
        n_short, n_long = c.shape
        cell = min(0.3, 9.0 / (n_short + n_long))
        fig, ax = pyplot().subplots(1, 2, figsize=(max(7.0, cell * (n_short + n_long) + 3), cell * n_long + 2.2),
                                    layout="constrained", width_ratios=[n_long, n_short])
    else:
        if len(ax) != 2:
            raise ValueError(f"Invalid value for argument `ax`. Expected a pair of Axes. Received {len(ax)} Axes")
        fig = ax[0].figure
    annotate = max(c.shape) <= 24 if annotate is None else bool(annotate)
    n_short, n_long = c.shape
    if st.kind == "conv1d_transpose":
        left, right = matching_conv_padding(k, s, st.padding, st.output_padding, d)
        keras = conv_padding(n_long, k, s, st.padding, d)
        same = (left, max(right, 0)) == keras
        note = (f"matching conv1d: padding (left, right) = ({left}, {right})"
                + (f" = Keras padding={st.padding!r}" if same else
                   f"; Keras padding={st.padding!r} would pad {keras} and give a different length"))
        c_title, t_title = f"matching conv1d: C, {n_short}×{n_long}", f"{st.kind}: T = Cᵀ, {n_long}×{n_short}"
    else:
        left, right = conv_padding(st.input_length, k, s, st.padding, d)
        note = f"transposed: conv1d_transpose (valid) cropped by the conv's padding ({left}, {right})"
        c_title, t_title = f"{st.kind}: C, {n_short}×{n_long}", f"its transpose: T = Cᵀ, {n_long}×{n_short}"
    _draw_matrix(ax[0], c, c_title, "input index (long side)", "output index (short side)", annotate)
    _draw_matrix(ax[1], t, t_title, "input index (short side)", "output index (long side)", annotate)
    diff = float(np.max(np.abs(t - c.T))) if c.size else 0.0
    fig.suptitle(f"{st.describe()}\n{note};  max |T − Cᵀ| = {diff:g}", fontsize=9)
    return fig


# ------------------------------------------------------------------------------------------------------------
# The transposed convolution, step by step
# ------------------------------------------------------------------------------------------------------------
def _values(arg, name, default):
    if isinstance(arg, (int, np.integer)) and not isinstance(arg, bool):
        return default(normalize_int(arg, name))
    values = np.asarray(arg.numpy() if isinstance(arg, Tensor) else arg, dtype=np.float64)
    if values.ndim != 1 or values.size == 0 or not np.all(np.isfinite(values)):
        raise ValueError(f"Invalid value for argument `{name}`. Expected an integer length or a non-empty 1-D "
                         f"sequence of finite numbers. Received {name} of shape {values.shape}")
    return values


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


def animate_transposed_conv(inputs, kernel, strides=1, padding="valid", output_padding=None, dilation_rate=1,
                            path=None, fps=1.5, ax=None):
    """A GIF-ready animation of the kernel scattering each input into the output, with overlap accumulation.

    Frame 0 shows the empty full output; frame ``j + 1`` scatters ``x_j``: the values ``x_j * w_t`` land at full
    positions ``j*s + t*d`` (lines coloured by tap), adding to what is already there; cell colour counts the
    contributions received (overlap), so a kernel size that is not a multiple of the stride shows its checkerboard.
    The last frame crops the full output to ``[c_left, c_left + N)`` and shows ``conv1d_transpose``'s result.
    The accumulated values come from :func:`scatter_steps` (through the op).

    Args:
        inputs: the input values (1-D), or a length ``L`` (values ``1 .. L``).
        kernel: the tap values (1-D), or a kernel size ``k`` (ones).
        strides, padding, output_padding, dilation_rate: as for ``conv1d_transpose``.
        path: when given, save the animation there (a ``.gif``, Pillow writer), atomically.
        fps: frames per second of the saved GIF.
        ax: the Axes to draw into (default: a new figure).

    Returns:
        The ``matplotlib.animation.FuncAnimation`` (``L + 2`` frames); its ``partials`` attribute holds the
        accumulated full outputs and ``output`` the final, cropped one.
    """
    from matplotlib.animation import FuncAnimation, PillowWriter
    from matplotlib.patches import Rectangle

    from ..ops.conv import conv1d_transpose

    x = _values(inputs, "inputs", lambda n: np.arange(1.0, n + 1.0))
    w = _values(kernel, "kernel", np.ones)
    st = conv_setting("conv1d_transpose", x.size, w.size, strides, padding, output_padding, dilation_rate, w)
    s, d, L = st.strides, st.dilation_rate, st.input_length
    partials, counts = scatter_steps(x, w, s, d)
    c_left, c_right = conv_transpose_crops(st.kernel_size, s, st.padding, st.output_padding, d)
    n_out = st.output_length
    full = partials.shape[1]
    frame_len = full + max(-c_right, 0)
    output = conv1d_transpose(Tensor(x.reshape(1, L, 1), dtype="float64", backend="numpy"),
                              Tensor(w.reshape(-1, 1, 1), dtype="float64", backend="numpy"), strides=s,
                              padding=st.padding, output_padding=st.output_padding,
                              dilation_rate=d).numpy()[0, :, 0]
    ax = new_axes(ax, figsize=(min(max(6.0, 0.5 * frame_len + 2), 24.0), 3.4))
    fig = ax.figure
    colors = _tap_colors(st.kernel_size)
    cmap = pyplot().get_cmap("Blues")
    top_count = max(float(counts[-1].max()), 1.0)
    half = _CELL / 2

    def draw(frame):
        ax.clear()
        ax.axis("off")
        ax.set_xlim(-3.0, max(frame_len, (L - 1) * s + 1) + 0.5)
        ax.set_ylim(-1.2, 2.8)
        step = frame - 1                                             # the input being scattered, if any
        final = frame == L + 1
        ax.text(-0.8, 2.0, "input", ha="right", va="center", fontsize=9)
        ax.text(-0.8, 0.0, "output" if final else "full output", ha="right", va="center", fontsize=9)
        for j in range(L):
            current = j == step
            ax.add_patch(Rectangle((j * s - half, 2.0 - half), _CELL, _CELL, facecolor="#cfe2f3",
                                   edgecolor="#cc0000" if current else "#555555",
                                   linewidth=2.5 if current else 0.8))
            ax.text(j * s, 2.0, f"{x[j]:g}", ha="center", va="center", fontsize=8)
        done = min(max(frame, 0), L)
        for q in range(frame_len):
            value = partials[done, q] if q < full else 0.0
            count = counts[done, q] if q < full else 0.0
            kept = c_left <= q < c_left + n_out
            face = cmap(0.15 + 0.7 * count / top_count) if count else "#ffffff"
            hatch = None
            if final and not kept:
                face, hatch = CELL_STYLES["cropped"][0], CELL_STYLES["cropped"][1]
            elif final and kept and count == 0:
                face, hatch = CELL_STYLES["bias"][0], CELL_STYLES["bias"][1]
            ax.add_patch(Rectangle((q - half, -half), _CELL, _CELL, facecolor=face, hatch=hatch,
                                   edgecolor="#555555", linewidth=0.8))
            shown = output[q - c_left] if final and kept else value
            if not (final and not kept):
                ax.text(q, 0.0, f"{shown:g}", ha="center", va="center", fontsize=8)
        if 0 <= step < L:
            for t in range(st.kernel_size):
                q = step * s + t * d
                ax.plot([step * s, q], [2.0 - half, half], color=colors[t], linewidth=1.8)
                ax.text((step * s + q) / 2, 1.0, f"×{w[t]:g}", color=colors[t], fontsize=7, ha="center",
                        bbox={"facecolor": "white", "edgecolor": "none", "pad": 0.5})
            title = (f"step {step + 1}/{L}: x[{step}] = {x[step]:g} is scattered to positions "
                     f"{step}·{s} + t·{d} and added (overlaps accumulate)")
        elif final:
            title = (f"crop [{c_left}, {c_left + n_out}) of the full output: y = {st.kind}(x) has N = {n_out} "
                     f"values")
        else:
            title = f"{st.describe()}: the full output starts at zero"
        ax.set_title(f"{title}\n{_formula(st)}", fontsize=8)
        return []

    anim = FuncAnimation(fig, draw, frames=L + 2, interval=1000.0 / fps, blit=False, repeat=True)
    anim.partials, anim.counts, anim.output = partials, counts, output
    if path is not None:
        atomic_path(path, lambda tmp: anim.save(tmp, writer=PillowWriter(fps=fps), dpi=80))
    return anim


def _save(fig, path):
    """Save ``fig`` atomically (used by the command line)."""
    return savefig(fig, path, dpi=110, bbox_inches="tight")
