r"""What a whole model connects: the path matrix of a stack of layers, its receptive fields and its overlap counts.

A stack of one-channel linear layers ``y = A_m ... A_2 A_1 x`` has the matrix :math:`P = A_m \cdots A_1`. With
all-ones kernels, no bias and no activation (``weights=None``), :math:`P_{nj}` **counts the paths** from input
step ``j`` to output step ``n`` through the stack, and its row sums (:func:`overlap_counts`) say how many paths
reach each output step: uneven row sums are the checkerboard pattern of transposed convolutions whose kernel size
is not a multiple of their stride (Odena, Dumoulin and Olah, "Deconvolution and Checkerboard Artifacts", Distill,
2016).

Each layer's own matrix is computed through the layer or its op (never re-derived): Conv1D and Conv1DTranspose by
:func:`~tinygradconv.viz.connectivity.connectivity_matrix` with the layer's configuration, the resampling layers
(UpSampling1D, ZeroPadding1D, Cropping1D) by pushing the basis vectors through the layer itself, and element-wise
layers (activations, dropout, normalization) as the identity. Layers are taken in order from :func:`model_layers`,
the one place to extend for other kinds of models.

>>> from tinygradconv.models import Sequential
>>> from tinygradconv.layers import Conv1DTranspose
>>> model = Sequential([Conv1DTranspose(1, 3, strides=2)])
>>> overlap_counts(model, 4).astype(int).tolist()        # k = 3, s = 2: 1, 2, 1, 2, ... paths per output step
[1, 1, 2, 1, 2, 1, 2, 1, 1]
"""
from __future__ import annotations

import numpy as np

from ..backend import dtype_name
from ..tensor import Tensor
from ._mpl import new_axes, pyplot
from .connectivity import connectivity_matrix as _conv_matrix
from .graph import wrap_title

__all__ = ["ELEMENTWISE", "RESAMPLING", "is_model", "layer_matrices", "model_connectivity_matrix", "model_layers",
           "overlap_counts", "plot_model_connectivity", "plot_overlap_counts", "plot_receptive_field"]

CONVOLUTIONS = ("Conv1D", "Conv1DTranspose")
RESAMPLING = ("UpSampling1D", "ZeroPadding1D", "Cropping1D")
ELEMENTWISE = ("Activation", "Dropout", "BatchNormalization", "ReLU", "LeakyReLU", "InputLayer")


def _axes(ax, figsize):
    """``ax``, or a new Axes on a constrained-layout figure (so titles and labels stay inside the saved figure)."""
    if ax is None:
        return pyplot().figure(figsize=figsize, layout="constrained").subplots()
    return new_axes(ax, figsize)


def _kind(layer):
    for cls in type(layer).__mro__:
        if cls.__name__ in CONVOLUTIONS + RESAMPLING + ELEMENTWISE:
            return cls.__name__
    return None


def is_model(obj) -> bool:
    """Whether ``obj`` is a model (it has a ``layers`` list), as opposed to a single layer or an op name."""
    return not isinstance(obj, str) and isinstance(getattr(obj, "layers", None), list)


def model_layers(model) -> list:
    """The layers of ``model`` in the order the data goes through them (a Sequential's ``layers``).

    This is the one place that knows how to walk a model: a model made of branches (a functional model with merges)
    would need its own walk here, so it is refused with a clear message until then.

    Raises:
        TypeError: ``model`` is not a model, or is not a plain chain of layers.
    """
    if not is_model(model):
        raise TypeError(f"Invalid value for argument `model`. Expected a Sequential model (or a single Conv1D / "
                        f"Conv1DTranspose layer). Received {type(model).__name__}")
    if type(model).__name__ != "Sequential":
        raise TypeError(f"Invalid value for argument `model`. Expected a Sequential model: a {type(model).__name__} "
                        f"is not walked yet (only chains of layers are)")
    layers = list(model.layers)
    if not layers:
        raise ValueError("Invalid value for argument `model`: it has no layers")
    for layer in layers:
        if _kind(layer) is None:
            raise TypeError(f"Layer {layer.name!r} of type {type(layer).__name__} has no connectivity matrix here. "
                            f"Supported: {', '.join(CONVOLUTIONS + RESAMPLING + ELEMENTWISE)}")
    return layers


def _through_layer(layer, length):
    """A resampling layer's matrix, ``(N, length)``: the basis vectors pushed through the layer itself."""
    eye = np.eye(length)
    channels_first = getattr(layer, "data_format", "channels_last") == "channels_first"
    x = eye.reshape(length, 1, length) if channels_first else eye.reshape(length, length, 1)
    y = np.asarray(layer(Tensor(x, dtype="float64", backend="numpy")).numpy(), dtype=np.float64)
    y = y[:, 0, :] if channels_first else y[:, :, 0]
    return np.ascontiguousarray(y.T)


def _channels(layer):
    kernel = getattr(layer, "kernel", None)
    return None if kernel is None else kernel.shape


def layer_matrices(model, input_length) -> list:
    """``[(layer, A)]`` for each layer of ``model`` in order, ``A`` its one-channel matrix ``(N_out, N_in)``.

    Conv1D / Conv1DTranspose: all-ones kernel, no bias, no activation, through the op with the layer's strides,
    padding, output padding and dilation. Resampling layers: through the layer. Element-wise layers: the identity.
    """
    from ..ops.conv_arithmetic import normalize_int

    length = normalize_int(input_length, "input_length")
    out = []
    for layer in model_layers(model):
        kind = _kind(layer)
        if kind in CONVOLUTIONS:
            matrix = _conv_matrix(layer, length)
        elif kind in RESAMPLING:
            matrix = _through_layer(layer, length)
        else:
            matrix = np.eye(length)
        if matrix.shape[0] == 0:
            raise ValueError(f"Layer {layer.name!r} leaves no steps from an input of {length}: choose a longer "
                             f"input_length")
        out.append((layer, matrix))
        length = matrix.shape[0]
    return out


def _model_jacobian(model, input_length, at=None):
    """``J[n, j] = sum over channels of d y[n, c] / d x[j, c']`` at the input ``at`` (default: ones)."""
    layers = model_layers(model)
    first = next((layer for layer in layers if _channels(layer) is not None), None)
    if first is None or not getattr(model, "built", True):
        raise ValueError("weights='model' needs a built model: call it on an input first")
    # kernels: Conv1D (k, in, out), Conv1DTranspose (k, out, in); resampling layers keep the channels
    in_channels = first.kernel.shape[1] if _kind(first) == "Conv1D" else first.kernel.shape[2]
    if at is None:
        point = np.ones((input_length, in_channels))
    else:
        point = np.asarray(at, dtype=np.float64).reshape(input_length, in_channels)
    dtype = dtype_name(first.kernel.dtype)
    probe = model(Tensor(point[None], dtype=dtype, backend="numpy"), training=False)
    n_out = probe.shape[1]
    x = Tensor(np.broadcast_to(point, (n_out, input_length, in_channels)).copy(), dtype=dtype, backend="numpy",
               requires_grad=True)
    y = model(x, training=False)
    seed = np.zeros(y.shape)
    seed[np.arange(n_out), np.arange(n_out), :] = 1.0        # sample n asks for the sum over channels of y[n, :]
    y.backward(Tensor(seed, dtype=y.dtype, backend="numpy"))
    return np.asarray(x.grad.numpy(), dtype=np.float64).sum(axis=2)


def model_connectivity_matrix(model, input_length, weights=None, at=None):
    r"""The path matrix of a Sequential model: :math:`P = A_m \cdots A_1`, shape ``(output_length, input_length)``.

    Args:
        model: a Sequential model of Conv1D, Conv1DTranspose, UpSampling1D, ZeroPadding1D, Cropping1D and
            element-wise layers.
        input_length: ``L``, the number of input steps.
        weights: ``None`` (default): every layer with one channel, all-ones kernels, no bias and no activation, so
            ``P[n, j]`` counts the paths from input step ``j`` to output step ``n``. ``"model"``: the model's own
            weights, ``P[n, j] = sum over c, c' of d y[n, c] / d x[j, c']`` (its Jacobian summed over channels, by
            one backward pass; for a model with non-linear activations it depends on the point ``at``).
        at: with ``weights="model"``, the input ``(input_length, channels)`` where the Jacobian is taken (default:
            ones).

    Raises:
        TypeError: not a Sequential model, or a layer with no matrix here.
        ValueError: a bad ``input_length`` or ``weights``, or a layer that leaves no steps.

    >>> from tinygradconv.models import Sequential
    >>> from tinygradconv.layers import Conv1DTranspose
    >>> m = Sequential([Conv1DTranspose(1, 2, strides=2), Conv1DTranspose(1, 2, strides=2)])
    >>> model_connectivity_matrix(m, 2).astype(int).T.tolist()    # each input reaches 4 steps, by one path each
    [[1, 1, 1, 1, 0, 0, 0, 0], [0, 0, 0, 0, 1, 1, 1, 1]]
    """
    if weights is None:
        matrices = layer_matrices(model, input_length)
        product = matrices[0][1]
        for _, matrix in matrices[1:]:
            product = matrix @ product
        return product
    if isinstance(weights, str) and weights == "model":
        from ..ops.conv_arithmetic import normalize_int

        return _model_jacobian(model, normalize_int(input_length, "input_length"), at)
    raise ValueError(f"Invalid value for argument `weights`. Expected None or 'model'. Received weights={weights!r}")


def overlap_counts(model_or_layer, input_length, **kwargs) -> np.ndarray:
    """How many paths reach each output step: the row sums of the path matrix (all-ones kernels).

    ``model_or_layer`` is a Sequential model, a Conv1D / Conv1DTranspose layer, or ``"conv1d"`` /
    ``"conv1d_transpose"`` with the op's arguments in ``kwargs`` (as for
    :func:`~tinygradconv.viz.connectivity_matrix`). For a transposed convolution with kernel size ``k`` and stride
    ``s``, the steps away from the ends receive ``floor(k/s)`` or ``ceil(k/s)`` paths: even only when ``s``
    divides ``k``.

    >>> overlap_counts("conv1d_transpose", 4, kernel_size=4, strides=2).astype(int).tolist()
    [1, 1, 2, 2, 2, 2, 2, 2, 1, 1]
    """
    if is_model(model_or_layer):
        matrix = model_connectivity_matrix(model_or_layer, input_length)
    else:
        matrix = _conv_matrix(model_or_layer, input_length, **kwargs)
    return matrix.sum(axis=1)


def plot_overlap_counts(model_or_layer, input_length, ax=None, label=None, **kwargs):
    """Bar chart of :func:`overlap_counts`: paths reaching each output step (uneven bars: a checkerboard).

    Returns the Axes; the bars are ``ax.patches``, the title gives the minimum and maximum inside the output.

    >>> ax = plot_overlap_counts("conv1d_transpose", 3, kernel_size=3, strides=2)
    >>> [int(p.get_height()) for p in ax.patches]
    [1, 1, 2, 1, 2, 1, 1]
    """
    counts = overlap_counts(model_or_layer, input_length, **kwargs)
    ax = _axes(ax, figsize=(min(9.0, max(6.0, 3.0 + 0.18 * counts.size)), 2.8))
    ax.bar(np.arange(counts.size), counts, color="#4c72b0", width=0.85, label=label)
    ax.set_xlabel("output step")
    ax.set_ylabel("paths reaching it")
    inside = counts[len(counts) // 4: len(counts) - len(counts) // 4] if counts.size >= 4 else counts
    name = label or _describe(model_or_layer, kwargs)
    ax.set_title(wrap_title(f"{name}\npaths per output step (middle half: {inside.min():g} to {inside.max():g})",
                            ax.figure.get_size_inches()[0] - 0.3), fontsize=9)
    ax.set_ylim(0, counts.max() * 1.15 + 0.1)
    ax.yaxis.get_major_locator().set_params(integer=True)
    return ax


def _describe(obj, kwargs=None):
    if isinstance(obj, str):
        return f"{obj}({', '.join(f'{k}={v!r}' for k, v in (kwargs or {}).items())})"
    if is_model(obj):
        return " -> ".join(_layer_text(layer) for layer in model_layers(obj))
    return _layer_text(obj)


def _layer_text(layer):
    kind = _kind(layer) or type(layer).__name__
    if kind in CONVOLUTIONS:
        return f"{kind}(k={layer.kernel_size[0]}, s={layer.strides[0]})"
    if kind == "UpSampling1D":
        return f"UpSampling1D({layer.size})"
    if kind == "ZeroPadding1D":
        return f"ZeroPadding1D({tuple(layer.padding)})"
    if kind == "Cropping1D":
        return f"Cropping1D({tuple(layer.cropping)})"
    return kind


def plot_model_connectivity(model, input_length, fig=None, max_lines=400, weights=None):
    """Draw the stack layer by layer: one row of cells per signal (input at the top), a line for every non-zero
    entry of each layer's matrix (width grows with the count), and the number of paths reaching each step written
    in its cell (all-ones kernels: ``weights`` must be ``None``).

    Returns the Figure (one Axes); ``fig.path_matrix`` is :func:`model_connectivity_matrix`.

    Raises:
        ValueError: ``weights`` is not None (the matrix with the model's own weights is
            ``model_connectivity_matrix(model, input_length, weights="model")``).

    >>> from tinygradconv.models import Sequential
    >>> from tinygradconv.layers import Conv1DTranspose
    >>> fig = plot_model_connectivity(Sequential([Conv1DTranspose(1, 3, strides=2)]), 3)
    >>> fig.path_matrix.sum(axis=1).astype(int).tolist()
    [1, 1, 2, 1, 2, 1, 1]
    """
    if weights is not None:
        raise ValueError(f"Invalid value for argument `weights`. The layer-by-layer drawing counts paths (all-ones "
                         f"kernels): expected None. Received weights={weights!r}")
    matrices = layer_matrices(model, input_length)
    lengths = [matrices[0][1].shape[1]] + [m.shape[0] for _, m in matrices]
    plt = pyplot()
    widest = max(lengths)
    if fig is None:
        fig = plt.figure(figsize=(min(9.5, max(6.0, 3.0 + 0.3 * widest)), 1.0 + 1.05 * len(lengths)),
                         layout="constrained")
    ax = fig.subplots()
    counts = [np.ones(lengths[0])]
    for _, matrix in matrices:
        counts.append(matrix @ counts[-1])
    fontsize = 7 if widest > 24 else 8
    rows = len(lengths)
    for r, (length, count) in enumerate(zip(lengths, counts)):
        y = rows - 1 - r
        offset = (widest - length) / 2
        for j in range(length):
            ax.add_patch(plt.Rectangle((offset + j - 0.42, y - 0.18), 0.84, 0.36, facecolor="#dde7f3",
                                       edgecolor="#4c72b0", linewidth=0.8))
            if widest <= 40:
                ax.text(offset + j, y, f"{count[j]:g}", ha="center", va="center", fontsize=fontsize)
    drawn = 0
    for r, (_, matrix) in enumerate(matrices):
        y_in, y_out = rows - 1 - r, rows - 2 - r
        off_in = (widest - matrix.shape[1]) / 2
        off_out = (widest - matrix.shape[0]) / 2
        for n, j in zip(*np.nonzero(matrix)):
            if drawn >= max_lines * len(matrices):
                break
            ax.plot([off_in + j, off_out + n], [y_in - 0.18, y_out + 0.18], color="#555555",
                    linewidth=0.6 + 0.6 * (matrix[n, j] - 1), alpha=0.7)
            drawn += 1
    # the layer names are the y tick labels: the layout keeps them inside the figure and clear of the cells
    ax.set_yticks(range(rows), [_layer_text(layer) for layer, _ in reversed(matrices)] + ["input"], fontsize=8)
    ax.tick_params(axis="y", length=0)
    ax.set_xticks([])
    for spine in ax.spines.values():
        spine.set_visible(False)
    ax.set_xlim(-0.6, widest - 0.4)
    ax.set_ylim(-0.6, rows - 0.4)
    ax.set_title(wrap_title("paths through the stack (the number in a cell: paths from the input reaching it)",
                            fig.get_size_inches()[0] - 0.5), fontsize=9)
    fig.path_matrix = model_connectivity_matrix(model, input_length)
    return fig


def plot_receptive_field(model, input_length, output_index, ax=None):
    """Highlight what output step ``output_index`` sees: the input steps with a path to it, and how many paths.

    Returns the Axes; ``ax.receptive_field`` is the row ``P[output_index]`` of :func:`model_connectivity_matrix`.

    Raises:
        ValueError: ``output_index`` outside ``[0, output_length)``.

    >>> from tinygradconv.models import Sequential
    >>> from tinygradconv.layers import Conv1DTranspose
    >>> plot_receptive_field(Sequential([Conv1DTranspose(1, 3, strides=2)]), 3, 2).receptive_field.tolist()
    [1.0, 1.0, 0.0]
    """
    matrix = model_connectivity_matrix(model, input_length)
    n_out = matrix.shape[0]
    if isinstance(output_index, bool) or not isinstance(output_index, (int, np.integer)) \
            or not 0 <= output_index < n_out:
        raise ValueError(f"Invalid value for argument `output_index`. Expected an integer in [0, {n_out}). "
                         f"Received output_index={output_index!r}")
    row = matrix[output_index]
    ax = _axes(ax, figsize=(min(9.0, max(6.0, 3.0 + 0.25 * row.size)), 2.8))
    colours = np.where(row > 0, "#d62728", "#cccccc")
    ax.bar(np.arange(row.size), np.where(row > 0, row, 0.1), color=colours, width=0.85)
    seen = np.nonzero(row)[0]
    span = f"steps {seen.min()} to {seen.max()}" if seen.size else "no input step"
    ax.set_title(wrap_title(f"output step {output_index} sees {span} of the input ({row.sum():g} paths)\n"
                            f"{_describe(model)}", ax.figure.get_size_inches()[0] - 0.3), fontsize=9)
    ax.set_xlabel("input step")
    ax.set_ylabel("paths to the output step")
    ax.yaxis.get_major_locator().set_params(integer=True)
    ax.receptive_field = row
    return ax
